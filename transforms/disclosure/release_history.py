"""What earlier releases of a period tell the attacker: the unknowns they share with this one, and what changed.

Two releases of a period are two systems of equations over the same members. A member that did not change a cell
between them is the same number in both; a member that arrived, corrected or withdrew is a different number in
each (0 where it is absent). So the unknowns of the joint pass become *segments*: a base cell's confidential
tonnes grouped by the set of releases they are part of (bit k of `_presence` set: release k has them; the
current release is the last bit). With no earlier release every segment is the base cell itself.

A value's change between an earlier release and this one is a cell of its own, of the members that changed:
what they added (their tonnes now that were not there then) and what they took away (their tonnes then that are
not there now). Both parts are judged by the same rules as a value (`_judge_values`): a late member alone in
the change is as exposed as a member alone in a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from transforms.disclosure import MEMBER_ID

PRESENCE = "_presence"  # bit k: the segment's tonnes are part of release k (the current release is the last)
WHO = "_who"  # the member of a segment whose figures differ between releases (null: the same in every release)
_BASE = "_base"
_RELEASE = "_release"


@dataclass(frozen=True)
class Segments:
    """The unknowns over all releases: each a base cell's confidential tonnes present in the same releases."""

    frame: pl.DataFrame  # _base, _presence, _who, _value, _n (members), in a fixed order
    n_base: int
    n_releases: int  # earlier releases + the current one

    def values(self) -> np.ndarray:
        """Each segment's tonnes: the unknowns' true values."""
        return self.frame.get_column("_value").to_numpy().astype(np.float64)

    def base_index(self) -> np.ndarray:
        """The base cell each segment is part of."""
        return self.frame.get_column(_BASE).to_numpy().astype(np.int64)

    def in_release(self, release: int, *, without: int | None = None, member: str | None = None) -> sparse.csr_matrix:
        """Base cells × segments: 1 where the segment is part of `release` (and, with `without`, not of that one).

        A published value of release k over base cells, times this matrix, is the same value over segments. With
        `member`, only that member's own segments (a member whose figures changed between releases has its own).
        """
        presence = self.frame.get_column(PRESENCE).to_numpy()
        chosen = (presence >> release) & 1 == 1
        if without is not None:
            chosen &= (presence >> without) & 1 == 0
        if member is not None:
            chosen &= (self.frame.get_column(WHO) == member).fill_null(value=False).to_numpy()
        columns = np.flatnonzero(chosen)
        return sparse.csr_matrix(
            (np.ones(columns.size), (self.base_index()[columns], columns)), shape=(self.n_base, self.frame.height)
        )


def segments(frames: Sequence[pl.DataFrame], confidential: pl.Expr, base: pl.DataFrame, keys: list[str]) -> Segments:
    """The segments of base cells `base` (its row order is the base index) over releases `frames` (current last).

    A member's tonnes in a base cell that are the same in several releases are one unknown; a member whose
    tonnes differ between releases (or that is missing from one) has one unknown per distinct figure, of its own:
    the change of a value is protected member by member too.

    Examples
    --------
    >>> import polars as pl
    >>> base = pl.DataFrame({"cell": ["x"]})
    >>> before = pl.DataFrame({"member_id": ["a", "b"], "cell": ["x", "x"], "quantity_t": [1.0, 2.0]})
    >>> now = pl.DataFrame({"member_id": ["a", "b", "c"], "cell": ["x", "x", "x"], "quantity_t": [1.0, 3.0, 4.0]})
    >>> found = segments([before, now], pl.lit(True), base, ["cell"])
    >>> found.frame.select("_presence", "_who", "_value").rows()  # b's 2 t before; b's 3 t and c's 4 t now; a's 1 t
    [(1, 'b', 2.0), (2, 'b', 3.0), (2, 'c', 4.0), (3, None, 1.0)]

    """
    stacked = pl.concat(
        [
            frame.select(MEMBER_ID, *keys, pl.col("quantity_t").fill_null(0.0)).with_columns(
                pl.lit(release, dtype=pl.Int64).alias(_RELEASE)
            )
            for release, frame in enumerate(frames)
        ]
    )
    versions = (
        stacked.filter(confidential)
        .group_by([MEMBER_ID, *keys, _RELEASE])
        .agg(pl.col("quantity_t").sum())
        .filter(pl.col("quantity_t") > 0)
        .group_by([MEMBER_ID, *keys, "quantity_t"])
        .agg(pl.lit(2, dtype=pl.Int64).pow(pl.col(_RELEASE)).sum().alias(PRESENCE))
    )
    every = 2 ** len(frames) - 1
    frame = (
        versions.join(base.select(keys).with_row_index(_BASE), on=keys, how="inner", nulls_equal=True)
        .with_columns(pl.when(pl.col(PRESENCE) != every).then(pl.col(MEMBER_ID)).alias(WHO))
        .group_by(_BASE, PRESENCE, WHO)
        .agg(pl.col("quantity_t").sum().alias("_value"), pl.col(MEMBER_ID).n_unique().cast(pl.Int64).alias("_n"))
        .sort(_BASE, PRESENCE, WHO, nulls_last=True)
    )
    return Segments(frame=frame, n_base=base.height, n_releases=len(frames))


def judge_changes(
    now: pl.DataFrame,
    then: pl.DataFrame,
    keys: list[str],
    *,
    min_contributors: int,
    dominance_share: float,
    safety_range: float,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The changes of values between two releases that are too few members' or dominated, and those members' figures.

    `now` and `then` are confidential members' parts of each value (keys…, `member_id`, `_column`, `_part`). A
    value's change is a cell of the members whose part changed, each contributing the size of its change: fewer
    than `min_contributors` of them, or two holding more than `dominance_share` of the tonnes moved, makes it
    sensitive, with the protection a value of those contributions would need (`safety_range` of the tonnes moved,
    or until it looks undominated). Returns (keys…, `_column`, `_protection`, `_members`) for sensitive changes,
    and (keys…, `_column`, `member_id`, `_then`, `_now`) for the figures of their members, each to protect too.

    Examples
    --------
    >>> import polars as pl
    >>> then = pl.DataFrame({"cell": ["x"] * 3, "member_id": ["a", "b", "c"], "_column": ["t"] * 3,
    ...                      "_part": [100.0, 110.0, 120.0]})
    >>> now = pl.concat([then, pl.DataFrame({"cell": ["x"], "member_id": ["d"], "_column": ["t"], "_part": [37.3]})])
    >>> sensitive, figures = judge_changes(now, then, ["cell"], min_contributors=3, dominance_share=0.85,
    ...                                    safety_range=0.1)
    >>> sensitive.select(pl.col("_protection").round(2), "_members").rows()  # alone, so dominant: 37.3 / 0.85 - 37.3
    [(6.58, ['d'])]
    >>> figures.select("member_id", "_then", "_now").rows()
    [('d', 0.0, 37.3)]

    """
    identity = [*keys, "_column", MEMBER_ID]
    both = (
        now.rename({"_part": "_now"})
        .join(then.rename({"_part": "_then"}), on=identity, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("_now").fill_null(0.0), pl.col("_then").fill_null(0.0))
        .with_columns((pl.col("_now") - pl.col("_then")).abs().alias("_moved"))
        .filter(
            pl.col("_moved") > CHANGE_TOLERANCE * pl.max_horizontal(pl.col("_now").abs(), pl.col("_then").abs(), 1.0)
        )
    )
    moved, top_two = pl.col("_moved").sum(), pl.col("_moved").top_k(2).sum()
    judged = both.group_by([*keys, "_column"]).agg(
        moved.alias("_total"),
        top_two.alias("_top_two"),
        pl.len().alias("_n"),
        pl.col(MEMBER_ID).sort().alias("_members"),
    )
    total, top = pl.col("_total"), pl.col("_top_two")
    few = pl.col("_n") < min_contributors
    dominated = top > dominance_share * total
    protection = pl.max_horizontal(
        pl.when(few).then(safety_range * total).otherwise(0.0),
        pl.when(dominated).then(pl.min_horizontal(total, top / dominance_share - total)).otherwise(0.0),
    )
    sensitive = (
        judged.with_columns(protection.alias("_protection"))
        .filter((pl.col("_protection") > 0) & (total > 0))
        .select(*keys, "_column", "_protection", "_members")
        .sort([*keys, "_column"], nulls_last=True)
    )
    figures = (
        both.join(sensitive.select(*keys, "_column"), on=[*keys, "_column"], how="semi", nulls_equal=True)
        .select(*keys, "_column", MEMBER_ID, "_then", "_now")
        .sort(identity, nulls_last=True)
    )
    return sensitive, figures


# A member's part that moved by less than this share of itself did not change (sums in another order).
CHANGE_TOLERANCE = 1e-9
