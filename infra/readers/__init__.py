"""Read a member's file (CSV, XLSX, Parquet, JSON Lines) as text columns of its contract.

Every value is read verbatim as text (empty cells become null); typing and cleaning happen in
`transforms.normalize`. A file that cannot be read as its dataset raises `FileRejected` with a
bilingual message naming the file, and the row or column where it can.

Row numbers (`source_row`) are the ones a member sees: the physical line a CSV record starts on
(header = 1, so a quoted value spanning lines shifts later rows as in a text editor), the sheet row
of an XLSX (offset per data sheet when a workbook has several, see `schemas.workbooks`), the line of a
JSON Lines file and the 1-based row index of a Parquet file.

Decisions: fully blank rows (no value in any cell) are skipped and counted in `n_blank_rows`. A CSV
row with fewer fields than the header is read with the missing trailing fields null; a row with more
fields than the header is read when the extra fields are empty (trailing commas) and otherwise
rejects the file, naming the row, because its values are shifted (usually an unquoted comma). A row
below the header that is the header again (two files joined with `cat`, a block pasted with its header)
rejects the file, naming its line: the rows after it may follow another header.

Size limits (`infra.readers.limits.Limits`: file bytes, rows, columns, value and line length, XLSX expansion,
JSON nesting) are checked as early as the format allows, before the costly step they guard.

The package holds one module per format (`csv_fast`, `csv_rows`, `csv_chunks`, `xlsx`, `parquet`,
`jsonl`), the encoding detection (`encoding`), the limits checks (`limits`) and what they share
(`common`: the row key, `RawTable`, header matching, building the frame).
"""

from __future__ import annotations

from pathlib import Path

from infra.readers.common import CHUNK_ROWS, SOURCE_ROW, FileFormat, RawTable, cell_text, normalize_header
from infra.readers.csv_chunks import CsvChunks, read_csv_chunks
from infra.readers.csv_rows import read_csv
from infra.readers.encoding import detect_encoding
from infra.readers.jsonl import read_jsonl
from infra.readers.limits import DEFAULT_LIMITS, Limits, check_file_size
from infra.readers.parquet import read_parquet
from infra.readers.xlsx import read_xlsx
from schemas.contract import Contract
from schemas.errors import FileRejected

__all__ = [
    "CHUNK_ROWS",
    "FORMATS",
    "SOURCE_ROW",
    "CsvChunks",
    "FileFormat",
    "RawTable",
    "cell_text",
    "detect_encoding",
    "normalize_header",
    "read_csv_chunks",
    "read_table",
]

FORMATS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def read_table(path: Path, contract: Contract, *, name: str | None = None, limits: Limits | None = None) -> RawTable:
    """Read a submitted file as text columns of `contract`, or raise `FileRejected` saying why.

    `limits` bounds the file's size and shape (default: `infra.readers.limits.DEFAULT_LIMITS`).
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
        return read_csv(path, contract, file, limits)
    if file_format == "xlsx":
        return read_xlsx(path, contract, file, limits)
    if file_format == "parquet":
        return read_parquet(path, contract, file, limits)
    return read_jsonl(path, contract, file, limits)
