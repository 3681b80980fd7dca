"""Take the contract's columns, as text, from a typed frame whose columns are already named (Parquet, JSON Lines)."""

from __future__ import annotations

from datetime import time

import polars as pl

from infra.readers.common import SOURCE_ROW, FileFormat, RawTable, match_header
from infra.readers.limits import Limits, check_header_width, check_text_columns
from schemas.contract import Contract
from schemas.errors import FileRejected


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


def from_named_columns(
    frame: pl.DataFrame,
    contract: Contract,
    file: str,
    *,
    source_row: pl.Series,
    file_format: FileFormat,
    limits: Limits,
) -> RawTable:
    """Select and fill the contract's columns of a frame whose columns are already named."""
    check_header_width(frame.columns, contract, file, limits, row=None)
    layout = match_header(frame.columns, contract, file, row=None)
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
    check_text_columns(result, file, limits)
    return RawTable(result, file_format, None, layout.ignored, result.height)
