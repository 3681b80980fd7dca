"""Read a CSV: the Polars fast path when it is exact, else record by record with Python's csv module."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from infra.readers.common import (
    FrameBuilder,
    HeaderRepeats,
    RawTable,
    UnnamedColumns,
    header_again,
    is_blank,
    match_header,
    no_header,
)
from infra.readers.csv_fast import read_csv_fast
from infra.readers.encoding import detect_encoding, reject_binary
from infra.readers.limits import CSV_FIELD_LIMIT, Limits, check_header_width, check_row, over_limit
from schemas.contract import Contract
from schemas.errors import FileRejected

if TYPE_CHECKING:
    from _csv import Reader


def read_csv(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read a CSV file whole: decode it, then the fast path when it is exact, else row by row."""
    data = path.read_bytes()
    reject_binary(file, data)
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
    table = read_csv_fast(body, encoding, contract, file, limits)
    if table is not None:
        return table
    return read_csv_rows(body.decode("utf-8"), encoding, contract, file, limits)


def read_csv_rows(text: str, encoding: str, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read CSV text record by record with Python's csv module: every CSV feature, every rejection."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = _csv_records(reader, file, limits)
    header: list[str] | None = None
    header_row = 0
    for start, cells in records:
        if cells and not is_blank(cells):
            header, header_row = cells, start
            break
    if header is None:
        raise no_header(file)
    check_header_width(header, contract, file, limits, row=header_row)
    layout = match_header(header, contract, file, row=header_row)
    builder = FrameBuilder(contract, layout)
    unnamed = UnnamedColumns(header)
    width = len(header)
    repeats = HeaderRepeats(contract, layout)
    blank = 0
    for start, cells in records:
        if is_blank(cells):
            blank += 1
            continue
        if repeats.check(start, cells):
            continue
        check_row(cells, start, file, limits)
        unnamed.note(cells)
        if len(cells) > width and not is_blank(cells[width:]):
            raise FileRejected(
                file,
                f"row {start} has {len(cells)} fields but the header has {width}; a value probably contains a comma: "
                'put that value in double quotes ("1,234") or remove the comma',
                f"{start}行目の項目数（{len(cells)}）がヘッダーの列数（{width}）より多いです。"
                "値にコンマが含まれている可能性があります。値をダブルクォートで囲むか、コンマを削除してください",
                row=start,
            )
        builder.add(start, cells)
    if repeats.lines:
        raise header_again(file, repeats.lines)
    frame = builder.frame()
    ignored = (*layout.ignored, *(f"(unnamed column {index + 1})" for index in sorted(unnamed.used)))
    return RawTable(frame, "csv", encoding, ignored, frame.height, blank)


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
