"""`mart.member_targets`: the public register of members' targets, with progress where the member allows it.

The partnership's rules make every member's quantitative targets and the URL of its actions public, so each
member's current target is listed by name and kind, as public target registers (the SBTi target dashboard) list
companies. Progress is a contribution like any other: shown for members whose `progress` disclosure class is
public, withheld for the others (null, `suppressed`, reason `confidential`), whose progress then counts only in
`mart.target_progress`'s aggregates. The value computed from a member's own flows is never listed: flows carry a
class of their own.
"""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.tables import MEMBER_TARGET_PROGRESS_COLUMNS, TABLES
from transforms.disclosure import SUPPRESSED, SUPPRESSION_REASON
from transforms.target_versions import MOMENT, TARGET_KEY, current_targets, with_version_moment

# Optional target columns that rows kept before the contract had them lack.
_OPTIONAL_TARGET_COLUMNS: tuple[str, ...] = ("published_url", "actions_url", "roadmap_id")
# A version is its target and the moment it took effect (two versions may share a day).
_KEY = [*TARGET_KEY, MOMENT]


def build_member_targets(
    targets: pl.LazyFrame,
    target_progress: pl.LazyFrame,
    members: pl.LazyFrame,
    classes: pl.LazyFrame,
) -> pl.LazyFrame:
    """`mart.member_targets`: one row per registered member's current target; progress only where it is public.

    `targets` is `core.targets` (every version; the latest is listed), `target_progress` is
    `core.target_progress`, `members` the registry (member_id, name, kind) and `classes` the members'
    disclosure classes on `progress` (member_id, is_public). Progress is shown when it was measured against
    the version listed (the one in force when it was reported): a target revised since its latest progress shows
    none until progress is reported against it. A member without a class, or with any row saying it is not public,
    is confidential. `material` "all" is a target on every material.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> target = {"target_id": "T1", "indicator": "recovery_rate", "material": None, "baseline_year": 2020,
    ...           "baseline_value": 0.2, "target_year": 2030, "target_value": 0.4, "unit": "ratio",
    ...           "valid_from": date(2024, 5, 1)}
    >>> targets = pl.LazyFrame([{"member_id": "city-a", **target}, {"member_id": "corp-b", **target}])
    >>> progress = pl.LazyFrame(
    ...     {"member_id": ["city-a", "corp-b"], "target_id": ["T1", "T1"], "valid_from": [date(2024, 5, 1)] * 2,
    ...      "latest_year": [2024, 2024], "latest_value": [0.3, 0.35], "progress_ratio": [0.5, 0.75],
    ...      "expected_ratio": [0.4, 0.4], "is_on_track": [True, True]}
    ... )
    >>> members = pl.LazyFrame(
    ...     {"member_id": ["city-a", "corp-b"], "name": ["A市", "B社"], "kind": ["municipality", "company"]}
    ... )
    >>> classes = pl.LazyFrame({"member_id": ["city-a", "corp-b"], "is_public": [True, False]})
    >>> out = build_member_targets(targets, progress, members, classes).collect()
    >>> out.select("member_name", "material", "latest_value", "progress_ratio", "suppression_reason").rows()
    [('A市', 'all', 0.3, 0.5, None), ('B社', 'all', None, None, 'confidential')]

    """
    schema = TABLES["mart.member_targets"]
    present = targets.collect_schema()
    targets = targets.with_columns(
        pl.lit(None, dtype=pl.String).alias(name) for name in _OPTIONAL_TARGET_COLUMNS if name not in present
    )
    # core.target_progress names the version it measured with its valid_from_at (valid_from in older rows).
    progress = with_version_moment(target_progress).select(*_KEY, *MEMBER_TARGET_PROGRESS_COLUMNS)
    registry = members.select("member_id", pl.col("name").alias("member_name"), pl.col("kind").alias("member_kind"))
    # Fail closed: public only when every class row the member has says so.
    is_public = classes.group_by("member_id").agg(pl.col("is_public").fill_null(value=False).all().alias("_public"))
    public = pl.col("is_progress_public")
    return (
        with_version_moment(current_targets(targets))
        .join(registry, on="member_id", how="inner")
        .join(progress, on=_KEY, how="left")
        .join(is_public, on="member_id", how="left")
        .with_columns(
            pl.col("material").cast(pl.String).fill_null(v.ALL_MATERIALS),
            pl.col("_public").fill_null(value=False).alias("is_progress_public"),
        )
        .with_columns(
            *(pl.when(public).then(pl.col(name)).alias(name) for name in MEMBER_TARGET_PROGRESS_COLUMNS),
            (~public).alias(SUPPRESSED),
            pl.when(~public).then(pl.lit(v.CONFIDENTIAL)).alias(SUPPRESSION_REASON),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort("member_id", "target_id")
    )
