"""The size limits of `infra.limits` applied to rows, headers and text columns as the readers meet them."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from infra.limits import Limits, over_limit
from infra.readers.common import SOURCE_ROW


def check_header_width(header: Sequence[str | None], file: str, limits: Limits, *, row: int | None) -> None:
    """Reject a header with more named columns than `max_columns`."""
    named = sum(1 for name in header if name is not None and str(name).strip())
    if named > limits.max_columns:
        raise over_limit(
            file, "max_columns", named, what_en="the number of columns", what_ja="列数", row=row, limits=limits
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
