"""Check that two pipelines published the same `mart.indicators` numbers (junkan vs the pandas baseline)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.tables import INDICATOR_COLUMNS

KEYS = ("period", "material_level", "material", "region_level", "region")
VALUES = (*INDICATOR_COLUMNS, "contributors")
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Comparison:
    """How two indicator tables differ: rows only on one side, and cells that differ beyond tolerance."""

    n_rows: int
    n_compared_cells: int
    only_left: int
    only_right: int
    n_mismatched_cells: int
    examples: tuple[str, ...]

    @property
    def equal(self) -> bool:
        """True when both tables hold the same rows and numbers."""
        return not (self.only_left or self.only_right or self.n_mismatched_cells)


def compare_indicators(left: pl.DataFrame, right: pl.DataFrame) -> Comparison:
    """Compare two `mart.indicators` tables on their keys; rows suppressed on either side are compared on keys only."""
    columns = [*KEYS, *VALUES]
    left_rows = left.select([pl.col(name).cast(pl.String) if name in KEYS else pl.col(name) for name in columns])
    right_rows = right.select([pl.col(name).cast(pl.String) if name in KEYS else pl.col(name) for name in columns])
    suppressed = [
        frame.select(*KEYS, pl.col("suppressed").alias(f"_suppressed_{side}")).with_columns(
            pl.col(name).cast(pl.String) for name in KEYS
        )
        for side, frame in (("left", left), ("right", right))
        if "suppressed" in frame.columns
    ]
    left_rows = left_rows.with_columns(_in_left=pl.lit(value=True))
    right_rows = right_rows.with_columns(_in_right=pl.lit(value=True))
    joined = left_rows.join(right_rows, on=list(KEYS), how="full", suffix="_right", coalesce=True, nulls_equal=True)
    for frame in suppressed:
        joined = joined.join(frame, on=list(KEYS), how="left", nulls_equal=True)
    hidden = pl.any_horizontal(
        [pl.col(name).fill_null(value=False) for name in joined.columns if name.startswith("_suppressed_")]
        or [pl.lit(value=False)]
    )
    in_left, in_right = pl.col("_in_left").fill_null(value=False), pl.col("_in_right").fill_null(value=False)
    only_left = joined.filter(in_left & ~in_right).height
    only_right = joined.filter(~in_left & in_right).height
    both = joined.filter(~hidden & in_left & in_right)
    mismatches: list[str] = []
    n_mismatched = 0
    for name in VALUES:
        a, b = pl.col(name).cast(pl.Float64), pl.col(f"{name}_right").cast(pl.Float64)
        differs = (a.is_null() != b.is_null()) | (
            (a - b).abs() > RELATIVE_TOLERANCE * pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))
        )
        bad = both.filter(differs.fill_null(value=False))
        n_mismatched += bad.height
        mismatches += [f"{name} at {row}" for row in bad.select(*KEYS, name, f"{name}_right").head(3).rows()]
    return Comparison(
        n_rows=joined.height,
        n_compared_cells=both.height * len(VALUES),
        only_left=only_left,
        only_right=only_right,
        n_mismatched_cells=n_mismatched,
        examples=tuple(mismatches[:5]),
    )
