"""Read a Parquet file, checking its footer against the limits before reading any data."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from infra.readers.common import SOURCE_ROW, RawTable
from infra.readers.limits import Limits, over_limit, too_many_columns
from infra.readers.named_columns import from_named_columns
from schemas.contract import Contract
from schemas.errors import FileRejected


def _check_parquet_metadata(path: Path, contract: Contract, file: str, limits: Limits) -> None:
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
        raise too_many_columns(list(metadata.schema.names), contract, file, limits)
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


def read_parquet(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read a Parquet file as text columns of `contract`."""
    _check_parquet_metadata(path, contract, file, limits)
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise FileRejected(
            file,
            f"the file cannot be read as Parquet: {error}",
            f"Parquetファイルとして読めません（{error}）",
        ) from None
    rows = pl.Series(SOURCE_ROW, range(1, frame.height + 1), dtype=pl.Int64())
    return from_named_columns(frame, contract, file, source_row=rows, file_format="parquet", limits=limits)
