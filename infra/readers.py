"""Read a member's file (CSV, XLSX, Parquet, JSON Lines) as text columns of its contract.

Every value is read verbatim as text (empty cells become null); typing and cleaning happen in
`transforms.normalize`. A file that cannot be read as its dataset raises `FileRejected` with a
bilingual message naming the file, and the row or column where it can.

Row numbers (`source_row`) are the ones a member sees: the physical line a CSV record starts on
(header = 1, so a quoted value spanning lines shifts later rows as in a text editor), the sheet row
of an XLSX, the line of a JSON Lines file and the 1-based row index of a Parquet file.

Decisions: fully blank rows (no value in any cell) are skipped and counted in `n_blank_rows`. A CSV
row with fewer fields than the header is read with the missing trailing fields null; a row with more
fields than the header is read when the extra fields are empty (trailing commas) and otherwise
rejects the file, naming the row, because its values are shifted (usually an unquoted comma).

Size limits (`infra.limits.Limits`: file bytes, rows, columns, value and line length, XLSX expansion,
JSON nesting) are checked as early as the format allows, before the costly step they guard.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from infra.limits import (
    CSV_FIELD_LIMIT,
    DEFAULT_LIMITS,
    Limits,
    check_file_size,
    check_json_line,
    check_zip,
    over_limit,
)
from schemas.contract import Contract
from schemas.errors import FileRejected

if TYPE_CHECKING:
    from _csv import Reader

FileFormat = Literal["csv", "xlsx", "parquet", "jsonl"]
FORMATS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
SOURCE_ROW = "source_row"
# Rows are gathered in Python lists and turned into Polars columns in chunks, to bound memory.
CHUNK_ROWS = 100_000

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or other ZIP file", "Excelブック（.xlsx）などのZIPファイル"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", "旧形式のExcelブック（.xls）"),
    (b"PAR1", "a Parquet file", "Parquetファイル"),
    (b"%PDF", "a PDF document", "PDF文書"),
)
# Half-width katakana glued to lower-case Latin letters: Latin-1 text mis-read as Shift_JIS.
_MOJIBAKE = re.compile(r"[a-z][\uff61-\uff9f]|[\uff61-\uff9f][a-z]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Python's cp932 decodes single bytes 0x80, 0xA0 and 0xFD-0xFF, which no text uses, to these.
_CP932_STRAY_BYTE = re.compile("[\u0080\uf8f0-\uf8f3]")
_ENCODING_SAMPLE_CHARS = 1_000_000
_SAVE_AS_EN = "save it as CSV UTF-8 (Excel: File > Save As > CSV UTF-8) and submit it again"
_SAVE_AS_JA = "「CSV UTF-8（コンマ区切り）」形式で保存し直して再提出してください"


@dataclass(frozen=True)
class RawTable:
    """A member's file as read: `source_row` plus every submitted column of the contract as text."""

    frame: pl.DataFrame
    format: FileFormat
    encoding: str | None
    ignored_columns: tuple[str, ...]
    n_rows: int
    n_blank_rows: int = 0


def read_table(path: Path, contract: Contract, *, name: str | None = None, limits: Limits | None = None) -> RawTable:
    """Read a submitted file as text columns of `contract`, or raise `FileRejected` saying why.

    `limits` bounds the file's size and shape (default: `infra.limits.DEFAULT_LIMITS`).
    """
    file = name or path.name
    limits = limits or DEFAULT_LIMITS
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        allowed = ", ".join(FORMATS)
        raise FileRejected(
            file,
            f"file type {path.suffix or '(none)'!r} is not accepted; submit one of: {allowed}",
            f"ファイル形式 {path.suffix or '（拡張子なし）'} は受け付けていません。"
            f"次のいずれかで提出してください: {allowed}",
        )
    check_file_size(path, file, limits)
    if file_format == "csv":
        return _read_csv(path, contract, file, limits)
    if file_format == "xlsx":
        return _read_xlsx(path, contract, file, limits)
    if file_format == "parquet":
        return _read_parquet(path, contract, file, limits)
    return _read_jsonl(path, contract, file, limits)


# --- limits on rows, columns and values ---------------------------------------------------------


def _check_header_width(header: Sequence[str | None], file: str, limits: Limits, *, row: int | None) -> None:
    named = sum(1 for name in header if name is not None and str(name).strip())
    if named > limits.max_columns:
        raise over_limit(
            file, "max_columns", named, what_en="the number of columns", what_ja="列数", row=row, limits=limits
        )


def _check_row(cells: Sequence[str | None], number: int, file: str, limits: Limits) -> None:
    """Reject a row past `max_rows` or holding a value longer than `max_field_chars`."""
    if number > limits.max_rows:
        raise over_limit(
            file, "max_rows", number, what_en="the number of rows", what_ja="行数", row=number, limits=limits
        )
    longest = max((len(cell) for cell in cells if cell), default=0)
    if longest > limits.max_field_chars:
        position = next(index for index, cell in enumerate(cells) if cell and len(cell) == longest)
        raise over_limit(
            file,
            "max_field_chars",
            longest,
            what_en=f"the length in characters of the value in field {position + 1} of row {number}",
            what_ja=f"{number}行目の{position + 1}番目の値の文字数",
            row=number,
            limits=limits,
        )


def _check_text_columns(frame: pl.DataFrame, file: str, limits: Limits) -> None:
    """Reject a typed file (Parquet, JSON Lines) with a text value longer than `max_field_chars`."""
    columns = [name for name, dtype in frame.schema.items() if dtype == pl.String() and name != SOURCE_ROW]
    if not columns or frame.is_empty():
        return
    longest = frame.select(pl.col(columns).str.len_chars().max()).row(0)
    for name, length in zip(columns, longest, strict=True):
        if length is not None and length > limits.max_field_chars:
            raise over_limit(
                file,
                "max_field_chars",
                length,
                what_en=f"the length in characters of a value in column {name!r}",
                what_ja=f"列 {name} の値の文字数",
                column=name,
                limits=limits,
            )


# --- header matching --------------------------------------------------------------------------


def normalize_header(header: str) -> str:
    """A header as matched to contract columns: NFKC, stripped, lower-case, inner spaces as `_`."""
    return re.sub(r"\s+", "_", unicodedata.normalize("NFKC", header).strip().lstrip("\ufeff").lower())


@dataclass(frozen=True)
class _Layout:
    """Which position of a file's rows holds each contract column, and what is ignored."""

    positions: dict[str, int]
    ignored: tuple[str, ...]


def _match_header(headers: Sequence[str | None], contract: Contract, file: str, *, row: int | None) -> _Layout:
    known = set(contract.read_schema)
    positions: dict[str, int] = {}
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for index, original in enumerate(headers):
        text = "" if original is None else str(original)
        key = normalize_header(text)
        if not key:
            continue
        if key in seen:
            raise FileRejected(
                file,
                f"the column {text.strip()!r} appears more than once in the header (also as {seen[key]!r}); "
                "keep one column of each name",
                f"列名 {text.strip()} がヘッダーに複数あります（{seen[key]}）。同じ名前の列は1つにしてください",
                row=row,
                column=key,
            )
        seen[key] = text.strip()
        if key in known:
            positions[key] = index
        else:
            ignored.append(text.strip())
    missing = [column for column in contract.required_columns if column not in positions]
    if missing:
        names = ", ".join(missing)
        hint_en = hint_ja = ""
        if len(positions) == 0 and len(headers) == 1 and re.search(r"[\t;|]", str(headers[0] or "")):
            hint_en = " (the header seems to use tabs or semicolons: separate columns with commas)"
            hint_ja = "（区切り文字がタブやセミコロンのようです。コンマで区切ってください）"
        raise FileRejected(
            file,
            f"required columns are missing: {names}{hint_en}; the first row must be the header with these names",
            f"必須の列がありません: {names}{hint_ja}。1行目をこれらの列名を含むヘッダーにしてください",
            row=row,
        )
    return _Layout(positions=positions, ignored=tuple(ignored))


# --- building the frame -----------------------------------------------------------------------


class _FrameBuilder:
    """Collects rows of text cells into a Polars frame of the contract's read schema, chunk by chunk."""

    def __init__(self, contract: Contract, layout: _Layout) -> None:
        self._columns = tuple(contract.read_schema)
        self._layout = layout
        self._rows: list[int] = []
        self._values: dict[str, list[str | None]] = {column: [] for column in self._columns}
        self._chunks: list[pl.DataFrame] = []

    def add(self, source_row: int, cells: Sequence[str | None]) -> None:
        """Add one row; cells are by position in the file."""
        self._rows.append(source_row)
        width = len(cells)
        for column in self._columns:
            position = self._layout.positions.get(column)
            value = cells[position] if position is not None and position < width else None
            self._values[column].append(value or None)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        data: dict[str, list[int] | list[str | None]] = {SOURCE_ROW: self._rows, **self._values}
        schema = {SOURCE_ROW: pl.Int64(), **{column: pl.String() for column in self._columns}}
        self._chunks.append(pl.DataFrame(data, schema=schema))
        self._rows = []
        self._values = {column: [] for column in self._columns}

    def frame(self) -> pl.DataFrame:
        """All rows added so far as one frame."""
        self._flush()
        if not self._chunks:
            schema = {SOURCE_ROW: pl.Int64(), **{column: pl.String() for column in self._columns}}
            return pl.DataFrame(schema=schema)
        return pl.concat(self._chunks, rechunk=True)


def _is_blank(cells: Iterable[str | None]) -> bool:
    return all(cell is None or not cell.strip() for cell in cells)


class _UnnamedColumns:
    """Positions without a header name (or past the header) that hold values: reported as ignored."""

    def __init__(self, header: Sequence[str | None]) -> None:
        self._width = len(header)
        self._unnamed = [index for index, name in enumerate(header) if not normalize_header(name or "")]
        self.used: set[int] = set()

    def note(self, cells: Sequence[str | None]) -> None:
        """Remember which unnamed positions of this row hold a value."""
        for index in self._unnamed:
            if index < len(cells) and (cells[index] or "").strip():
                self.used.add(index)
        for index in range(self._width, len(cells)):
            if (cells[index] or "").strip():
                self.used.add(index)


# --- CSV --------------------------------------------------------------------------------------


def _decode_error_place(data: bytes, offset: int) -> tuple[int, int]:
    """Line (1-based) and byte within that line (1-based) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - line_start + 1


def _reject_undecodable(file: str, data: bytes, error: UnicodeDecodeError, encoding_name: str) -> FileRejected:
    line, byte = _decode_error_place(data, error.start)
    bad = data[error.start : error.start + 1].hex()
    return FileRejected(
        file,
        f"the file cannot be read as {encoding_name}: byte 0x{bad} at line {line}, byte {byte} is invalid; "
        f"{_SAVE_AS_EN}",
        f"ファイルを {encoding_name} として読めません（{line}行目の{byte}バイト目 0x{bad} が不正です）。{_SAVE_AS_JA}",
        row=line,
    )


def _looks_like_shift_jis(text: str) -> bool:
    """Whether CP932-decoded text reads as Japanese rather than mis-decoded Latin-1/cp1252.

    charset-normalizer is no help here: it rejects short genuine files such as `株式会社ＡＢＣ`.
    Instead: Japanese text is mostly kana, symbols and level-1 kanji (lead bytes 0x81-0x9F), while
    Latin accented letters (0xC0-0xFF) decode as level-2 kanji (lead 0xE0-0xFC) or as half-width
    katakana glued to Latin letters (`Renée` -> `Ren馥`, `Àla` -> `ﾀla`).
    """
    sample = text[:_ENCODING_SAMPLE_CHARS]
    common = rare = 0
    for char in _NON_ASCII.findall(sample):
        lead = char.encode("cp932")[0]
        if 0x81 <= lead <= 0x9F:
            common += 1
        elif lead >= 0xE0:
            rare += 1
    rare += len(_MOJIBAKE.findall(sample))
    return rare <= common


def detect_encoding(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or CP932; return (text, encoding) or reject."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            error.start += len(codecs.BOM_UTF8)
            raise _reject_undecodable(file, data, error, "UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            file,
            f"the file is UTF-16 text (Excel's 'Unicode text'); {_SAVE_AS_EN}",
            f"ファイルがUTF-16（Excelの「Unicode テキスト」）です。{_SAVE_AS_JA}",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as cp932_error:
        # Report where the likelier encoding broke: the one that decoded further.
        worst = cp932_error if cp932_error.start > utf8_error.start else utf8_error
        raise _reject_undecodable(file, data, worst, "UTF-8 or Shift_JIS (CP932)") from None
    stray = _CP932_STRAY_BYTE.search(text)
    if stray is not None:
        offset = len(text[: stray.start()].encode("cp932"))
        raise _reject_undecodable(
            file,
            data,
            UnicodeDecodeError("cp932", data, offset, offset + 1, "stray byte"),
            "UTF-8 or Shift_JIS (CP932)",
        )
    if not _looks_like_shift_jis(text):
        line, byte = _decode_error_place(data, utf8_error.start)
        raise FileRejected(
            file,
            f"the file is neither UTF-8 (byte {byte} of line {line} is not UTF-8) nor plausible Shift_JIS text "
            f"(it looks like another encoding such as Latin-1); {_SAVE_AS_EN}",
            f"ファイルがUTF-8でもShift_JISでもないようです（{line}行目の{byte}バイト目がUTF-8ではありません）。"
            f"{_SAVE_AS_JA}",
            row=line,
        )
    return text, "cp932"


def _reject_binary(file: str, data: bytes) -> None:
    for magic, what_en, what_ja in _MAGIC:
        if data.startswith(magic):
            raise FileRejected(
                file,
                f"the file is {what_en}, not CSV text; submit it with its own extension or {_SAVE_AS_EN}",
                f"ファイルはCSVテキストではなく{what_ja}です。正しい拡張子で提出するか、{_SAVE_AS_JA}",
            )


def _no_header(file: str) -> FileRejected:
    return FileRejected(
        file,
        "the file is empty: it has no header row; put the column names in the first row",
        "ファイルが空です（ヘッダー行がありません）。1行目に列名を入れてください",
    )


def _read_csv(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    data = path.read_bytes()
    _reject_binary(file, data)
    text, encoding = detect_encoding(data, file=file)
    # Polars reads UTF-8 only: CP932 is transcoded in memory. The original bytes and the decoded text are
    # each let go as soon as they are no longer needed, so at most two copies of a large file live at once.
    if encoding == "utf-8":
        del text
        body = data
    elif encoding == "utf-8-sig":
        del text
        body = data[len(codecs.BOM_UTF8) :]
    else:
        del data
        body = text.encode("utf-8")
        del text
    table = _read_csv_fast(body, encoding, contract, file, limits)
    if table is not None:
        return table
    return _read_csv_rows(body.decode("utf-8"), encoding, contract, file, limits)


def _read_csv_rows(text: str, encoding: str, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read CSV text record by record with Python's csv module: every CSV feature, every rejection."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = _csv_records(reader, file, limits)
    header: list[str] | None = None
    header_row = 0
    for start, cells in records:
        if cells and not _is_blank(cells):
            header, header_row = cells, start
            break
    if header is None:
        raise _no_header(file)
    _check_header_width(header, file, limits, row=header_row)
    layout = _match_header(header, contract, file, row=header_row)
    builder = _FrameBuilder(contract, layout)
    unnamed = _UnnamedColumns(header)
    width = len(header)
    blank = 0
    for start, cells in records:
        if _is_blank(cells):
            blank += 1
            continue
        _check_row(cells, start, file, limits)
        unnamed.note(cells)
        if len(cells) > width and not _is_blank(cells[width:]):
            raise FileRejected(
                file,
                f"row {start} has {len(cells)} fields but the header has {width}; a value probably contains a comma: "
                'put that value in double quotes ("1,234") or remove the comma',
                f"{start}行目の項目数（{len(cells)}）がヘッダーの列数（{width}）より多いです。"
                "値にコンマが含まれている可能性があります。値をダブルクォートで囲むか、コンマを削除してください",
                row=start,
            )
        builder.add(start, cells)
    frame = builder.frame()
    ignored = (*layout.ignored, *(f"(unnamed column {index + 1})" for index in sorted(unnamed.used)))
    return RawTable(frame, "csv", encoding, ignored, frame.height, blank)


# Characters Python's `str.strip()` removes (all of them are below U+3001), so Polars strips the same.
_PY_WHITESPACE = "".join(char for char in map(chr, range(0x3001)) if char.isspace())
# A well-formed quoted field on one line: opens at a field start, `""` inside, closes at a field end.
_FILLED = "_is_filled"
_QUOTED_FIELD = re.compile(rb'(?:^|(?<=,))"[^"\r\n]*(?:""[^"\r\n]*)*"(?=,|\r?$)', re.MULTILINE)


def _fast_path_applies(body: bytes) -> bool:
    """Whether Polars splits `body` into the same records as Python's csv module (cheap byte scans).

    Not when a CR ends a line alone or a NUL appears, nor when a quote is anything but a well-formed
    quoted field on one line (a quoted line break, a stray or unbalanced quote).
    """
    if b"\x00" in body or body.count(b"\r") != body.count(b"\r\n"):
        return False
    return b'"' not in body or b'"' not in _QUOTED_FIELD.sub(b"", body)


def _csv_header(body: bytes, limits: Limits) -> list[str] | None:
    """The first line's fields when that line is a non-blank header within the limits, else None."""
    end = body.find(b"\n")
    line = body.decode("utf-8") if end < 0 else body[: end + 1].decode("utf-8")
    try:
        header = next(csv.reader([line], strict=True), None)
    except csv.Error:
        return None
    if header is None or _is_blank(header) or sum(map(len, header)) + len(header) > limits.max_line_chars:
        return None
    return header


def _read_csv_fast(body: bytes, encoding: str, contract: Contract, file: str, limits: Limits) -> RawTable | None:
    """Read a plain CSV (UTF-8 bytes) with Polars, or None when only the row-by-row reader is exact.

    None for any file the fast path cannot reproduce exactly (see `_fast_path_applies`, a header not on
    line 1, a row with more fields than the header) and for any file to reject, so that the row-by-row
    reader names the offending row as it always has.
    """
    if not body:
        return None
    found = _csv_fast_layout(body, contract, file, limits)
    if found is None:
        return None
    header, layout = found
    rows = _read_csv_fast_rows(body, header, layout, contract, limits)
    if rows is None:
        return None
    ignored = (*layout.ignored, *_unnamed_ignored(rows.unnamed_used))
    return RawTable(rows.frame, "csv", encoding, ignored, rows.frame.height, rows.n_blank_rows)


@dataclass(frozen=True)
class _FastRows:
    """The rows the fast path read after a header: kept rows, blank rows and used unnamed positions."""

    frame: pl.DataFrame
    n_blank_rows: int
    unnamed_used: tuple[int, ...]


def _unnamed_ignored(positions: Iterable[int]) -> tuple[str, ...]:
    return tuple(f"(unnamed column {index + 1})" for index in sorted(positions))


def _csv_fast_layout(body: bytes, contract: Contract, file: str, limits: Limits) -> tuple[list[str], _Layout] | None:
    """The header on line 1 of `body` and its layout, or None when the fast path cannot take that header."""
    header = _csv_header(body, limits)
    if header is None:
        return None
    try:
        _check_header_width(header, file, limits, row=1)
        layout = _match_header(header, contract, file, row=1)
    except FileRejected:
        return None
    return header, layout


def _read_csv_fast_rows(
    body: bytes, header: list[str], layout: _Layout, contract: Contract, limits: Limits, *, first_line: int = 2
) -> _FastRows | None:
    """Read the header line and the complete lines after it in `body` with Polars, or None (see above).

    `first_line` is the file's line number of the line after the header, so a slice of a file's lines
    (behind its header line) reads with the file's own line numbers and row limit: every condition
    checked here is a property of single lines.
    """
    if not _fast_path_applies(body):
        return None
    lines = body.count(b"\n") + (not body.endswith(b"\n"))
    if first_line + lines - 2 > limits.max_rows:
        return None
    try:
        raw = pl.read_csv(io.BytesIO(body), has_header=True, infer_schema=False, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None  # e.g. a row with more fields than the header
    if raw.width != len(header) or raw.height != lines - 1:
        return None
    names = [f"field_{index}" for index in range(raw.width)]
    raw.columns = names
    lengths = [pl.col(name).str.len_chars().fill_null(0) for name in names]
    longest_field, longest_line = raw.select(
        pl.max_horizontal(lengths).max().fill_null(0).alias("field"),
        pl.sum_horizontal(lengths).max().fill_null(0).alias("line"),
    ).row(0)
    # The line bound counts every field of the header (a short row has fewer): never lower than the exact one.
    if longest_field > limits.max_field_chars or longest_line + raw.width > limits.max_line_chars:
        return None
    filled = [(pl.col(name).str.strip_chars(_PY_WHITESPACE) != "").fill_null(value=False) for name in names]
    rows = raw.with_row_index(SOURCE_ROW, offset=first_line).with_columns(pl.any_horizontal(filled).alias(_FILLED))
    kept = rows.filter(_FILLED)
    unnamed = [index for index, name in enumerate(header) if not normalize_header(name)]
    used = kept.select(filled[index].any().alias(str(index)) for index in unnamed).row(0) if unnamed else ()
    columns: list[pl.Expr] = [pl.col(SOURCE_ROW).cast(pl.Int64())]
    for column in contract.read_schema:
        position = layout.positions.get(column)
        if position is None:
            columns.append(pl.lit(None, dtype=pl.String()).alias(column))
        else:
            value = pl.col(names[position])
            columns.append(pl.when(value != "").then(value).alias(column))
    frame = kept.select(columns)
    used_positions = tuple(index for index, is_used in zip(unnamed, used, strict=True) if is_used)
    return _FastRows(frame, rows.height - kept.height, used_positions)


def _csv_records(reader: Reader, file: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """Yield (line the record starts on, fields) for each record, rejecting unparseable CSV."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise over_limit(
                    file,
                    "max_field_chars",
                    f"more than {CSV_FIELD_LIMIT:,}",
                    what_en=f"the length in characters of a value of the record starting on line {start}",
                    what_ja=f"{start}行目から始まる行の値の文字数",
                    row=start,
                    limits=limits,
                ) from None
            raise FileRejected(
                file,
                f"the CSV cannot be parsed at the record starting on line {start} ({error}); check the double quotes "
                'of that row: a value with a quote must be written as "say ""hello"""',
                f"{start}行目から始まる行をCSVとして解釈できません（{error}）。その行のダブルクォートを確認してください",
                row=start,
            ) from None
        line_num = reader.line_num
        if line_num > limits.max_rows:
            raise over_limit(
                file, "max_rows", line_num, what_en="the number of lines", what_ja="行数", row=line_num, limits=limits
            )
        length = sum(map(len, cells)) + len(cells)
        if length > limits.max_line_chars:
            raise over_limit(
                file,
                "max_line_chars",
                length,
                what_en=f"the length in characters of the record starting on line {start}",
                what_ja=f"{start}行目から始まる行の文字数",
                row=start,
                limits=limits,
            )
        yield start, cells


# --- XLSX -------------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """The text of a spreadsheet cell as a member sees it: integers without `.0`, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # 15 significant digits, as Excel shows them: 0.30000000000000004 is 0.3.
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


# What openpyxl (zipfile, zlib, the XML parser, its own descriptors) raises on a damaged or hostile workbook.
# ParseError is a SyntaxError; InvalidFileException is added where openpyxl is imported.
_XLSX_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    ArithmeticError,
    EOFError,
    OSError,
    SyntaxError,
)


def _unreadable_xlsx(file: str, error: Exception) -> FileRejected:
    detail = f"{type(error).__name__}: {str(error)[:200]}"
    return FileRejected(
        file,
        f"the file cannot be opened as an Excel workbook (.xlsx) ({detail}); save it again from Excel as .xlsx "
        "or as CSV UTF-8",
        f"Excelブック（.xlsx）として開けません（{detail}）。Excelで .xlsx または CSV UTF-8 として保存し直してください",
    )


def _sheet_rows(values: Iterator[tuple[object, ...]], file: str) -> Iterator[tuple[int, list[str | None]]]:
    """Rows of a sheet as (sheet row, cell texts); openpyxl's errors while parsing become a rejection."""
    number = 0
    while True:
        try:
            row = next(values)
        except StopIteration:
            return
        except _XLSX_ERRORS as error:
            raise _unreadable_xlsx(file, error) from None
        number += 1
        yield number, [cell_text(value) for value in row]


def _read_xlsx(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip(path, file, limits)  # before openpyxl decompresses anything
    # Our own handle, closed whatever openpyxl does: it leaves its zip open when loading fails half-way.
    with path.open("rb") as stream:
        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it does not read; cell values are unaffected.
                warnings.simplefilter("ignore", UserWarning)
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except (InvalidFileException, *_XLSX_ERRORS) as error:
            raise _unreadable_xlsx(file, error) from None
        try:
            if not workbook.worksheets:
                raise _no_header(file)
            sheet = workbook.worksheets[0]
            try:
                sheet.reset_dimensions()  # the stored sheet size can be stale; read what is there
                values = sheet.iter_rows(min_row=1, values_only=True)
            except _XLSX_ERRORS as error:
                raise _unreadable_xlsx(file, error) from None
            rows = _sheet_rows(values, file)
            header: list[str | None] | None = None
            header_row = 0
            for number, cells in rows:
                if not _is_blank(cells):
                    header, header_row = cells, number
                    break
            if header is None:
                raise _no_header(file)
            _check_header_width(header, file, limits, row=header_row)
            layout = _match_header(header, contract, file, row=header_row)
            builder = _FrameBuilder(contract, layout)
            unnamed = _UnnamedColumns(header)
            blank = 0
            for number, cells in rows:
                if _is_blank(cells):
                    blank += 1
                    if number > limits.max_rows:
                        _check_row((), number, file, limits)
                    continue
                _check_row(cells, number, file, limits)
                unnamed.note(cells)
                builder.add(number, cells)
            frame = builder.frame()
        finally:
            workbook.close()
    letters = (get_column_letter(index + 1) for index in sorted(unnamed.used))
    ignored = (*layout.ignored, *(f"(unnamed column {letter})" for letter in letters))
    return RawTable(frame, "xlsx", None, ignored, frame.height, blank)


# --- Parquet and JSON Lines -------------------------------------------------------------------


def _as_text(series: pl.Series) -> pl.Series:
    """A typed column as the text a member would write: integral floats without `.0`, midnight as a date."""
    values = pl.col(series.name)
    if series.dtype.is_float():
        integral = values.is_finite() & (values == values.floor()) & (values.abs() < 1e15)
        expression = pl.when(integral).then(values.cast(pl.Int64).cast(pl.String)).otherwise(values.cast(pl.String))
    elif isinstance(series.dtype, pl.Datetime):
        midnight = values.dt.time() == time(0, 0)
        expression = (
            pl.when(midnight).then(values.dt.date().cast(pl.String)).otherwise(values.dt.to_string("%Y-%m-%d %H:%M:%S"))
        )
    else:
        expression = values.cast(pl.String)
    return series.to_frame().select(expression).to_series()


def _from_named_columns(
    frame: pl.DataFrame,
    contract: Contract,
    file: str,
    *,
    source_row: pl.Series,
    file_format: FileFormat,
    limits: Limits,
) -> RawTable:
    """Select and fill the contract's columns of a frame whose columns are already named."""
    _check_header_width(frame.columns, file, limits, row=None)
    layout = _match_header(frame.columns, contract, file, row=None)
    columns = [source_row.cast(pl.Int64).alias(SOURCE_ROW)]
    for column in contract.read_schema:
        position = layout.positions.get(column)
        if position is None:
            columns.append(pl.Series(column, [None] * frame.height, dtype=pl.String()))
            continue
        series = frame.to_series(position)
        try:
            text = _as_text(series)
        except pl.exceptions.PolarsError:
            raise FileRejected(
                file,
                f"column {series.name!r} holds {series.dtype} values that cannot be read as text; "
                "send plain values (text, numbers, dates)",
                f"列 {series.name} の値（{series.dtype}）を文字列として読めません。文字・数値・日付の値にしてください",
                column=column,
            ) from None
        columns.append(text.replace("", None).alias(column))
    result = pl.DataFrame(columns)
    _check_text_columns(result, file, limits)
    return RawTable(result, file_format, None, layout.ignored, result.height)


def _check_parquet_metadata(path: Path, file: str, limits: Limits) -> None:
    """Reject a Parquet file too large to read, from its footer alone."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        metadata = pq.read_metadata(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise FileRejected(
            file, f"the file cannot be read as Parquet: {error}", f"Parquetファイルとして読めません（{error}）"
        ) from None
    if metadata.num_rows > limits.max_rows:
        raise over_limit(
            file, "max_rows", metadata.num_rows, what_en="the number of rows", what_ja="行数", limits=limits
        )
    if metadata.num_columns > limits.max_columns:
        raise over_limit(
            file, "max_columns", metadata.num_columns, what_en="the number of columns", what_ja="列数", limits=limits
        )
    expanded = sum(metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups))
    if expanded > limits.max_uncompressed_bytes:
        raise over_limit(
            file,
            "max_uncompressed_bytes",
            expanded,
            what_en="the file's uncompressed size in bytes",
            what_ja="展開後のサイズ",
            limits=limits,
        )


def _read_parquet(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    _check_parquet_metadata(path, file, limits)
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise FileRejected(
            file,
            f"the file cannot be read as Parquet: {error}",
            f"Parquetファイルとして読めません（{error}）",
        ) from None
    rows = pl.Series(SOURCE_ROW, range(1, frame.height + 1), dtype=pl.Int64())
    return _from_named_columns(frame, contract, file, source_row=rows, file_format="parquet", limits=limits)


def _json_text(value: object, *, file: str, line: int, key: str) -> str | None:
    if isinstance(value, dict | list):
        raise FileRejected(
            file,
            f"line {line}: the value of {key!r} is a nested object or list; give a plain value",
            f"{line}行目: {key} の値が入れ子（オブジェクトまたは配列）です。単一の値にしてください",
            row=line,
            column=key,
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return cell_text(value)
    return None if value is None else str(value)


def _read_jsonl(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    data = path.read_bytes()
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        error.start += bom
        raise _reject_undecodable(file, data, error, "UTF-8") from None
    records: list[dict[str, str | None]] = []
    lines: list[int] = []
    keys: dict[str, None] = {}
    blank = 0
    # Split on \n only: str.splitlines would also split on characters JSON allows inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if number > limits.max_rows:
            raise over_limit(
                file, "max_rows", number, what_en="the number of lines", what_ja="行数", row=number, limits=limits
            )
        if not line.strip():
            blank += 1
            continue
        check_json_line(line, file, number, limits)
        record = _json_record(line, file=file, line_number=number)
        keys.update(dict.fromkeys(record))
        if len(keys) > limits.max_columns:
            raise over_limit(
                file,
                "max_columns",
                len(keys),
                what_en=f"the number of distinct keys up to line {number}",
                what_ja=f"{number}行目までのキーの種類数",
                row=number,
                limits=limits,
            )
        records.append(record)
        lines.append(number)
    if not records:
        raise FileRejected(
            file,
            "the file is empty: it has no JSON object, so its columns cannot be checked; put one object per line",
            "ファイルが空です（JSONオブジェクトがありません）。1行に1つのオブジェクトを入れてください",
        )
    blank -= text.endswith("\n")  # the final newline ends the last line; it is not a blank line
    frame = pl.DataFrame(
        {key: [record.get(key) for record in records] for key in keys},
        schema={key: pl.String() for key in keys},
    )
    table = _from_named_columns(
        frame, contract, file, source_row=pl.Series(SOURCE_ROW, lines), file_format="jsonl", limits=limits
    )
    return RawTable(table.frame, "jsonl", None, table.ignored_columns, table.n_rows, blank)


def _json_record(line: str, *, file: str, line_number: int) -> dict[str, str | None]:
    """One JSON Lines record as text values, or reject the file naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file,
            f"line {line_number} is not valid JSON ({error.msg} at character {error.colno}); "
            "each line must be one JSON object",
            f"{line_number}行目がJSONとして正しくありません（{error.colno}文字目: {error.msg}）。"
            "各行を1つのJSONオブジェクトにしてください",
            row=line_number,
        ) from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise FileRejected(
            file,
            f"line {line_number} cannot be read as JSON ({str(error)[:200]}); give plain values: text, numbers "
            "of usual length, true/false or null",
            f"{line_number}行目をJSONとして読めません（{str(error)[:200]}）。文字・通常の長さの数値・true/false・null "
            "の値にしてください",
            row=line_number,
        ) from None
    if not isinstance(record, dict):
        raise FileRejected(
            file,
            f'line {line_number} is not a JSON object; each line must be one object such as {{"member_id": "..."}}',
            f'{line_number}行目がJSONオブジェクトではありません。各行を {{"member_id": "..."}} '
            "のような1つのオブジェクトにしてください",
            row=line_number,
        )
    return {str(key): _json_text(value, file=file, line=line_number, key=str(key)) for key, value in record.items()}
