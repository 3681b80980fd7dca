"""Read a plain CSV with Polars, when it splits the text into the same records as Python's csv module."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import polars as pl

from infra.readers.common import SOURCE_ROW, Layout, RawTable, is_blank, match_header, normalize_header, unnamed_ignored
from infra.readers.limits import Limits, check_header_width
from schemas.contract import Contract
from schemas.errors import FileRejected

BOM = "\ufeff"
# Characters Python's `str.strip()` removes (all of them are below U+3001), so Polars strips the same.
PY_WHITESPACE = "".join(char for char in map(chr, range(0x3001)) if char.isspace())
# A well-formed quoted field on one line: opens at a field start, `""` inside, closes at a field end.
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
    if header is None or is_blank(header) or sum(map(len, header)) + len(header) > limits.max_line_chars:
        return None
    return header


def read_csv_fast(body: bytes, encoding: str, contract: Contract, file: str, limits: Limits) -> RawTable | None:
    """Read a plain CSV (UTF-8 bytes) with Polars, or None when only the row-by-row reader is exact.

    None for any file the fast path cannot reproduce exactly (see `_fast_path_applies`, a header not on
    line 1, a row with more fields than the header) and for any file to reject, so that the row-by-row
    reader names the offending row as it always has.
    """
    if not body:
        return None
    found = csv_fast_layout(body, contract, file, limits)
    if found is None:
        return None
    header, layout = found
    rows = read_csv_fast_rows(body, header, layout, contract, limits)
    if rows is None:
        return None
    ignored = (*layout.ignored, *unnamed_ignored(rows.unnamed_used))
    return RawTable(rows.frame, "csv", encoding, ignored, rows.frame.height, rows.n_blank_rows)


def _repeat_header_probe(header: list[str], layout: Layout, contract: Contract, names: list[str]) -> pl.Expr | None:
    """Per row, whether it may be the header again (files joined with `cat`), for the row-by-row reader to judge.

    So it may when its first required column's cell is written as the header's is, or as a name of a
    contract column, with or without the BOM a second file starts with (one exact look-up per row).
    None when the contract requires no column the header has.
    """
    required = contract.required_columns
    probe = layout.positions.get(required[0]) if required else None
    if probe is None:
        return None
    spelled = {
        header[probe],
        header[probe].strip(),
        *(name for column in contract.submitted_columns for name in column.headers),
    }
    spellings = [*spelled, *(BOM + name for name in spelled)]
    return pl.col(names[probe]).is_in(spellings).fill_null(value=False)


@dataclass(frozen=True)
class FastRows:
    """The rows the fast path read after a header: kept rows, blank rows and used unnamed positions."""

    frame: pl.DataFrame
    n_blank_rows: int
    unnamed_used: tuple[int, ...]


def csv_fast_layout(body: bytes, contract: Contract, file: str, limits: Limits) -> tuple[list[str], Layout] | None:
    """The header on line 1 of `body` and its layout, or None when the fast path cannot take that header."""
    header = _csv_header(body, limits)
    if header is None:
        return None
    try:
        check_header_width(header, contract, file, limits, row=1)
        layout = match_header(header, contract, file, row=1)
    except FileRejected:
        return None
    return header, layout


def read_csv_fast_rows(
    body: bytes, header: list[str], layout: Layout, contract: Contract, limits: Limits, *, first_line: int = 2
) -> FastRows | None:
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
    # Every whole-file question in one pass over the cells, the rows kept in a second: per-query fixed costs
    # were most of a small file's read (six queries each, 900 files a night).
    lengths = [pl.col(name).str.len_chars().fill_null(0) for name in names]
    filled = [(pl.col(name).str.strip_chars(PY_WHITESPACE) != "").fill_null(value=False) for name in names]
    unnamed = [index for index, name in enumerate(header) if not normalize_header(name)]
    row_filled = pl.any_horizontal(filled)
    probe = _repeat_header_probe(header, layout, contract, names)
    stats = raw.select(
        pl.max_horizontal(lengths).max().fill_null(0).alias("field"),
        pl.sum_horizontal(lengths).max().fill_null(0).alias("line"),
        (pl.lit(value=False) if probe is None else probe.any()).alias("repeat"),
        *(filled[index].any().alias(f"unnamed_{index}") for index in unnamed),
    ).row(0, named=True)
    if stats["repeat"]:
        return None  # the row-by-row reader tells whether it is the header again, and names its line
    # The line bound counts every field of the header (a short row has fewer): never lower than the exact one.
    if stats["field"] > limits.max_field_chars or stats["line"] + raw.width > limits.max_line_chars:
        return None
    columns: list[pl.Expr] = [pl.col(SOURCE_ROW).cast(pl.Int64())]
    for column in contract.read_schema:
        position = layout.positions.get(column)
        if position is None:
            columns.append(pl.lit(None, dtype=pl.String()).alias(column))
        else:
            value = pl.col(names[position])
            columns.append(pl.when(value != "").then(value).alias(column))
    frame = raw.lazy().with_row_index(SOURCE_ROW, offset=first_line).filter(row_filled).select(columns).collect()
    used_positions = tuple(index for index in unnamed if stats[f"unnamed_{index}"])
    return FastRows(frame, raw.height - frame.height, used_positions)
