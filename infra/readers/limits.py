"""Limits on what a member's file may hold, so a huge or hostile file is refused before it costs memory.

Every limit has a safe default and a setting (`JUNKAN_MAX_…`) that raises it. A file over a limit raises
`FileRejected` with a bilingual message naming the limit and that setting. Zip containers (XLSX) are judged
from their central directory before anything is decompressed; Python's `zipfile` never inflates an entry past
the size its directory declares (it fails the CRC instead), so a lying directory cannot slip a bomb through.
The readers apply the limits to rows, headers and text columns as they meet them (the functions at the end).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from infra.readers.common import SOURCE_ROW
from schemas.errors import FileRejected

if TYPE_CHECKING:
    from infra.settings import Settings
    from schemas.contract import Contract

GIB = 1 << 30
MIB = 1 << 20
# Python's csv module refuses longer fields itself ("field larger than field limit"), so a field limit
# above it could never be reached; raising it would mean changing csv.field_size_limit process-wide.
CSV_FIELD_LIMIT = 131_072
# Entries smaller than this are never judged by their compression ratio: tiny XML compresses very well.
RATIO_FLOOR_BYTES = MIB
# A too-many-columns message names this many of the columns to delete, each cut to this length.
_NAMES_SHOWN = 20
_NAME_CHARS = 40
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True)
class Limits:
    """How big a submitted file and its parts may be; defaults are safe for a laptop with 8 GiB."""

    max_file_bytes: int = GIB
    max_rows: int = 20_000_000
    # System exports carry hundreds of columns the contract does not read (they are ignored); Excel has 16,384.
    max_columns: int = 2_000
    max_field_chars: int = 10_000
    max_line_chars: int = 1_000_000
    max_uncompressed_bytes: int = 4 * GIB
    max_compression_ratio: float = 200.0
    max_json_depth: int = 32

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) <= 0:
                msg = f"limit {field.name} must be positive, not {getattr(self, field.name)!r}"
                raise ValueError(msg)
        if self.max_field_chars > CSV_FIELD_LIMIT:
            msg = f"max_field_chars cannot exceed {CSV_FIELD_LIMIT} (Python's csv field limit)"
            raise ValueError(msg)


DEFAULT_LIMITS = Limits()


def limits_from_settings(settings: Settings) -> Limits:
    """The limits the settings ask for (JUNKAN_MAX_FILE_BYTES, JUNKAN_MAX_ROWS, …)."""
    return Limits(**{field.name: getattr(settings, field.name) for field in fields(Limits)})


def setting_name(limit: str) -> str:
    """The environment variable that raises a limit.

    Examples:
        >>> setting_name("max_rows")
        'JUNKAN_MAX_ROWS'

    """
    return f"JUNKAN_{limit.upper()}"


def over_limit(
    file: str,
    limit: str,
    value: int | float | str,
    *,
    what_en: str,
    what_ja: str,
    row: int | None = None,
    column: str | None = None,
    limits: Limits,
) -> FileRejected:
    """The rejection for a file over one limit: what is too big, the limit, and the setting that raises it."""
    allowed = getattr(limits, limit)
    env = setting_name(limit)
    shown = value if isinstance(value, str) else f"{value:,}"
    return FileRejected(
        file,
        f"{what_en} ({shown}) exceeds the limit {limit} = {allowed:,}; split the file into smaller files, or ask "
        f"the secretariat to raise {env}",
        f"{what_ja}（{shown}）が上限 {limit} = {allowed:,} を超えています。ファイルを分割するか、"
        f"事務局に {env} の引き上げを依頼してください",
        row=row,
        column=column,
    )


def check_file_size(path: Path, file: str, limits: Limits) -> int:
    """The file's size in bytes, or reject it when it is larger than `max_file_bytes`."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise over_limit(
            file, "max_file_bytes", size, what_en="the file size in bytes", what_ja="ファイルサイズ", limits=limits
        )
    return size


def check_zip(path: Path, file: str, limits: Limits) -> None:
    """Reject a zip (XLSX) whose declared expansion is too large, reading only its central directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileRejected(
            file,
            f"the file cannot be opened as an Excel workbook (.xlsx): {error}; save it again from Excel as .xlsx "
            "or as CSV UTF-8",
            f"Excelブック（.xlsx）として開けません（{error}）。"
            "Excelで .xlsx または CSV UTF-8 として保存し直してください",
        ) from None
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_uncompressed_bytes:
        raise over_limit(
            file,
            "max_uncompressed_bytes",
            total,
            what_en="the workbook's uncompressed size in bytes",
            what_ja="ブックの展開後のサイズ",
            limits=limits,
        )
    for entry in entries:
        if entry.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise over_limit(
                file,
                "max_compression_ratio",
                round(ratio),
                what_en=f"the compression ratio of the workbook part {entry.filename!r} (a zip bomb?)",
                what_ja=f"ブック内の {entry.filename} の圧縮率（ZIP爆弾の疑い）",
                limits=limits,
            )


def json_depth(line: str) -> int:
    """Deepest nesting of arrays and objects on one JSON line, ignoring brackets inside strings.

    Examples:
        >>> json_depth('{"a": "[[[", "b": [1, {"c": 2}]}')
        3

    """
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(line):
        char = token.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def check_json_line(line: str, file: str, line_number: int, limits: Limits) -> None:
    """Reject a JSON Lines line that is too long or nested too deeply, before `json.loads` recurses into it."""
    if len(line) > limits.max_line_chars:
        raise over_limit(
            file,
            "max_line_chars",
            len(line),
            what_en=f"line {line_number} length in characters",
            what_ja=f"{line_number}行目の文字数",
            row=line_number,
            limits=limits,
        )
    # Counting brackets is C-fast; only a line with more brackets than the limit can be too deep.
    if line.count("[") + line.count("{") > limits.max_json_depth:
        depth = json_depth(line)
        if depth > limits.max_json_depth:
            raise over_limit(
                file,
                "max_json_depth",
                depth,
                what_en=f"line {line_number} nesting depth",
                what_ja=f"{line_number}行目の入れ子の深さ",
                row=line_number,
                limits=limits,
            )


def check_header_width(
    header: Sequence[str | None], contract: Contract, file: str, limits: Limits, *, row: int | None
) -> None:
    """Reject a header with more named columns than `max_columns`, naming the columns the contract does not read."""
    named = [str(name).strip() for name in header if name is not None and str(name).strip()]
    if len(named) > limits.max_columns:
        raise too_many_columns(named, contract, file, limits, row=row)


def too_many_columns(
    names: Sequence[str],
    contract: Contract,
    file: str,
    limits: Limits,
    *,
    row: int | None = None,
    what_en: str = "columns",
    what_ja: str = "列数",
) -> FileRejected:
    """The rejection of a file with more columns than `max_columns`: which columns to delete, not to split it.

    Columns the contract does not know are ignored anyway, so they are the ones to delete: the message names the
    first of them and how many there are. `what_en`, `what_ja` say what was counted (JSON Lines counts keys).
    """
    unknown = [name for name in names if contract.column_for_header(name) is None]
    if not unknown:
        return over_limit(
            file, "max_columns", len(names), what_en="the number of columns", what_ja="列数", row=row, limits=limits
        )
    shown = ", ".join(repr(name[:_NAME_CHARS]) for name in unknown[:_NAMES_SHOWN])
    more = len(unknown) - _NAMES_SHOWN
    shown_en = shown + (f" and {more:,} more" if more > 0 else "")
    shown_ja = shown + (f" ほか{more:,}列" if more > 0 else "")
    excess = len(names) - limits.max_columns
    env = setting_name("max_columns")
    return FileRejected(
        file,
        f"the file has {len(names):,} {what_en}, more than the limit max_columns = {limits.max_columns:,}; "
        f"{len(unknown):,} of them are not in the data contract of {contract.name} and are not read: delete at least "
        f"{excess:,} of these columns: {shown_en} (or ask the secretariat to raise {env})",
        f"ファイルの{what_ja}（{len(names):,}）が上限 max_columns = {limits.max_columns:,} を超えています。"
        f"このうち{len(unknown):,}列は {contract.name} のデータ契約にない列で、読み込まれません。"
        f"次の列のうち{excess:,}列以上を削除してください: {shown_ja}"
        f"（または事務局に {env} の引き上げを依頼してください）",
        row=row,
    )


def check_row(cells: Sequence[str | None], number: int, file: str, limits: Limits) -> None:
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


def check_text_columns(frame: pl.DataFrame, file: str, limits: Limits) -> None:
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
