"""The one crossing from Polars to pandas in the code base: GX validates pandas frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandas as pd


def to_pandas(frame: pl.DataFrame, *, columns: Sequence[str]) -> pd.DataFrame:
    """Only `columns` of `frame` as pandas with Arrow-backed dtypes (nulls stay nulls, NaN stays NaN).

    The index is the row position (a RangeIndex), which GX reports back as `unexpected_index_list`.
    """
    return frame.select(columns).to_pandas(use_pyarrow_extension_array=True)
