"""Members' targets against their reported progress and their own flows, and the secretariat's compliance view.

Matching a reported year to the member's computed indicators: year `Y` is the calendar-year period `Y`
(grain year) or, when the member reports no calendar year `Y`, the fiscal year `FYY` (April Y to March Y+1).
Monthly periods are not summed into years. Material scope: the target's material (`plastics` the group,
`plastics.pet` the leaf) or `all` when it has none; region scope is always `all`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import polars as pl

from schemas import vocabulary as v
from schemas.obligations import RULES
from schemas.regions import ALL_REGIONS
from schemas.tables import INDICATOR_COLUMNS, TABLES, unsuppressed
from transforms.disclosure import MIN_CONTRIBUTORS, Rollup, suppress_cells
from transforms.indicators import RATES
from transforms.normalize import unit_code
from transforms.target_versions import (
    MEASURED,
    MOMENT,
    MOMENT_DTYPE,
    PERCENT_UNITS,
    TARGET_KEY,
    comparison_key,
    measure_progress,
    with_version_moment,
)
from transforms.target_versions import current_targets as current_targets  # where callers have found them
from transforms.target_versions import merge_target_versions as merge_target_versions

ALL_KINDS = "all"
DIFFERENCE_TOLERANCE = 0.05

# Target indicator code -> the column of `core.member_indicators` that computes it (`custom` has none).
INDICATOR_SOURCE_COLUMNS: dict[str, str] = {
    code: column for code in v.INDICATOR_CODES for column in (code, f"{code}_t") if column in INDICATOR_COLUMNS
}
_PERIOD_GRAIN_PREFERENCE: dict[str, int] = {"year": 0, "fiscal_year": 1}
_KIND_TO_ALL = Rollup(
    "member kind → all", children=pl.col("member_kind").ne_missing(ALL_KINDS), parent={"member_kind": pl.lit(ALL_KINDS)}
)


def _unit_factor(indicator: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """What a computed value (ratio or tonnes) is multiplied by to be in the target's unit; null if unknown."""
    # Exactly as spelled (the flows table of spellings): MT is metric tons, not megatonnes.
    tonnes_per_unit = unit_code(unit).replace_strict(v.UNIT_TO_TONNES, default=None, return_dtype=pl.Float64)
    is_rate = indicator.is_in(list(RATES))
    return (
        pl.when(is_rate & unit.str.strip_chars().str.to_lowercase().is_in(list(PERCENT_UNITS)))
        .then(pl.lit(100.0))
        .when(is_rate)
        .then(pl.lit(1.0))
        .otherwise(1.0 / tonnes_per_unit)
    )


def _computed_by_year(member_indicators: pl.LazyFrame) -> pl.LazyFrame:
    """Member, indicator, material scope and year -> the indicator computed from the member's flows."""
    columns = sorted(set(INDICATOR_SOURCE_COLUMNS.values()))
    column_to_indicator = {column: code for code, column in INDICATOR_SOURCE_COLUMNS.items()}
    year = (
        pl.when(pl.col("grain") == "year")
        .then(pl.col("period"))
        .when(pl.col("grain") == "fiscal_year")
        .then(pl.col("period").str.strip_prefix("FY"))
        .cast(pl.Int32, strict=False)
    )
    return (
        member_indicators.filter(
            pl.col("region_level") == ALL_REGIONS, pl.col("grain").is_in(list(_PERIOD_GRAIN_PREFERENCE))
        )
        .unpivot(
            on=columns,
            index=["member_id", "period", "grain", "material", "material_level"],
            variable_name="_column",
            value_name="_computed",
        )
        .with_columns(
            pl.col("_column").replace_strict(column_to_indicator).alias("indicator"),
            year.alias("latest_year"),
            pl.col("grain").replace_strict(_PERIOD_GRAIN_PREFERENCE, return_dtype=pl.Int8).alias("_preference"),
        )
        .sort("_preference")
        .unique(
            subset=["member_id", "indicator", "material", "material_level", "latest_year"],
            keep="first",
            maintain_order=True,
        )
        .select(
            "member_id",
            "indicator",
            pl.col("material").alias("_scope_material"),
            pl.col("material_level").alias("_scope_level"),
            "latest_year",
            pl.col("period").alias("computed_period"),
            "_computed",
        )
    )


def compute_target_progress(
    targets: pl.LazyFrame,
    progress: pl.LazyFrame,
    member_indicators: pl.LazyFrame,
    *,
    as_of_year: int | None = None,
    tolerance: float = DIFFERENCE_TOLERANCE,
) -> pl.LazyFrame:
    """`core.target_progress`: per target version, the latest value measured against it, progress and computed value.

    Each progress row is measured against the version in force when it was reported (`measure_progress`:
    `progress.reported_at`, when its file arrived). One row per version that is the target's current one
    (`is_current_version`) or that progress was measured against, so a value is only ever set against the
    definition it was reported for. progress_ratio = (latest - baseline) / (target - baseline); expected_ratio =
    (latest_year - baseline_year) / (target_year - baseline_year); on track when progress_ratio >= expected_ratio.
    `differs_from_reported` when the computed value differs from the reported one by more than `tolerance` of the
    reported value. `n_progress_not_comparable`: the target's progress rows measured against a version of another
    indicator, unit or material. Progress after `as_of_year` is ignored.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> from schemas.tables import TABLES
    >>> targets = pl.LazyFrame(
    ...     {"member_id": ["m-1"], "target_id": ["T1"], "indicator": ["custom"], "material": [None],
    ...      "baseline_year": [2020], "baseline_value": [10.0], "target_year": [2030], "target_value": [20.0],
    ...      "unit": ["t"], "valid_from": [date(2023, 6, 1)]}
    ... )
    >>> progress = pl.LazyFrame({"member_id": ["m-1"], "target_id": ["T1"], "year": [2024], "value": [15.0]})
    >>> empty = pl.LazyFrame(schema=TABLES["core.member_indicators"])
    >>> out = compute_target_progress(targets, progress, empty).collect()
    >>> out.select("latest_value", "progress_ratio", "expected_ratio", "is_on_track", "is_current_version").row(0)
    (15.0, 0.5, 0.4, True, True)

    """
    schema = TABLES["core.target_progress"]
    if "roadmap_id" not in targets.collect_schema():  # targets kept before members could name a roadmap
        targets = targets.with_columns(roadmap_id=pl.lit(None, dtype=pl.String))
    reported = progress.filter(pl.col("value").is_not_null())
    if as_of_year is not None:
        reported = reported.filter(pl.col("year") <= as_of_year)
    if "reported_at" not in reported.collect_schema():
        reported = reported.with_columns(reported_at=pl.lit(None, dtype=MOMENT_DTYPE))
    versions = with_version_moment(targets).with_columns(
        (pl.col(MOMENT) == pl.col(MOMENT).max().over(TARGET_KEY)).alias("is_current_version"),
        comparison_key(pl.col("indicator"), pl.col("unit"), pl.col("material")).alias("_comparable"),
    )
    measured = measure_progress(targets, reported).filter(pl.col(MEASURED).is_not_null())
    latest = (
        measured.sort("year")
        .group_by(*TARGET_KEY, MEASURED)
        .agg(
            pl.col("year").last().alias("latest_year"),
            pl.col("value").last().alias("latest_value"),
            pl.col("reported_at").last().alias("latest_reported_at"),
        )
    )
    measured_as = measured.join(
        versions.select(*TARGET_KEY, pl.col(MOMENT).alias(MEASURED), pl.col("_comparable").alias("_measured_as")),
        on=[*TARGET_KEY, MEASURED],
        how="inner",
    )
    not_comparable = (
        versions.select(*TARGET_KEY, MOMENT, "_comparable")
        .join(measured_as.select(*TARGET_KEY, "_measured_as"), on=TARGET_KEY, how="inner")
        .group_by(*TARGET_KEY, MOMENT)
        .agg((pl.col("_measured_as") != pl.col("_comparable")).sum().alias("n_progress_not_comparable"))
    )
    material = pl.col("material").cast(pl.String)
    scope_level = (
        pl.when(material.is_null())
        .then(pl.lit(v.ALL_MATERIALS))
        .when(material.str.contains(".", literal=True))
        .then(pl.lit("leaf"))
        .otherwise(pl.lit("group"))
    )
    baseline, target, latest_value = pl.col("baseline_value"), pl.col("target_value"), pl.col("latest_value")
    years_planned = pl.col("target_year") - pl.col("baseline_year")
    computed = pl.col("_computed") * _unit_factor(pl.col("indicator"), pl.col("unit"))
    return (
        versions.join(latest, left_on=[*TARGET_KEY, MOMENT], right_on=[*TARGET_KEY, MEASURED], how="left")
        .filter(pl.col("is_current_version") | pl.col("latest_year").is_not_null())
        .join(not_comparable, on=[*TARGET_KEY, MOMENT], how="left")
        .with_columns(
            material.fill_null(v.ALL_MATERIALS).alias("_scope_material"),
            scope_level.alias("_scope_level"),
            pl.col(MOMENT).alias("valid_from_at"),
            pl.col("n_progress_not_comparable").fill_null(0),
        )
        .join(
            _computed_by_year(member_indicators),
            on=["member_id", "indicator", "_scope_material", "_scope_level", "latest_year"],
            how="left",
        )
        .with_columns(
            pl.when(latest_value.is_not_null() & (target != baseline))
            .then((latest_value - baseline) / (target - baseline))
            .alias("progress_ratio"),
            pl.when(pl.col("latest_year").is_not_null() & (years_planned > 0))
            .then((pl.col("latest_year") - pl.col("baseline_year")) / years_planned)
            .alias("expected_ratio"),
            computed.alias("computed_value"),
        )
        .with_columns(
            (pl.col("progress_ratio") >= pl.col("expected_ratio")).alias("is_on_track"),
            ((pl.col("computed_value") - latest_value).abs() > tolerance * latest_value.abs()).alias(
                "differs_from_reported"
            ),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort("member_id", "target_id", "valid_from_at")
    )


def _with_kind(frame: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    """Add each member's kind from the registry, and repeat every row under the `all` kind."""
    kinds = members.select("member_id", pl.col("kind").alias("member_kind"))
    with_kind = frame.join(kinds, on="member_id", how="left")
    return pl.concat([with_kind, with_kind.with_columns(member_kind=pl.lit(ALL_KINDS))], how="vertical")


def summarize_target_progress(
    target_progress: pl.LazyFrame,
    members: pl.LazyFrame,
    *,
    min_contributors: int = MIN_CONTRIBUTORS,
    public_members: Collection[str] | None = None,
) -> pl.LazyFrame:
    """`mart.target_progress`: targets on track per indicator and member kind (and all kinds), disclosure-controlled.

    Each target counts once, by its current version (`is_current_version`), with the progress measured against it.

    `public_members` are those whose progress is public (`mart.member_targets` lists it): the attacker subtracts
    them, so a cell needs `min_contributors` of the others, and a cell of public members alone is published.

    Examples
    --------
    >>> import polars as pl
    >>> progress = pl.LazyFrame(
    ...     {"member_id": ["a", "b", "c"], "indicator": ["recovery_rate"] * 3,
    ...      "latest_year": [2024, 2024, None], "progress_ratio": [0.2, 0.6, None], "is_on_track": [False, True, None]}
    ... )
    >>> members = pl.LazyFrame({"member_id": ["a", "b", "c"], "kind": ["company"] * 3})
    >>> out = summarize_target_progress(progress, members).collect()
    >>> out.select("member_kind", "contributors", "n_with_progress", "n_on_track", "median_progress_ratio").rows()
    [('all', 3, 2, 1, 0.4), ('company', 3, 2, 1, 0.4)]

    """
    schema = TABLES["mart.target_progress"]
    keys = ["indicator", "member_kind"]
    if "is_current_version" in target_progress.collect_schema():  # a target counts once, as it stands now
        target_progress = target_progress.filter(pl.col("is_current_version"))
    rows = _with_kind(target_progress, members)
    cells = rows.group_by(keys).agg(
        pl.col("member_id").n_unique().alias("contributors"),
        pl.len().alias("n_targets"),
        pl.col("latest_year").is_not_null().sum().alias("n_with_progress"),
        pl.col("is_on_track").fill_null(value=False).sum().alias("n_on_track"),
        pl.col("progress_ratio").median().alias("median_progress_ratio"),
    )
    return (
        suppress_cells(
            cells.sort(keys, nulls_last=True),
            rows.select(*keys, "member_id"),
            keys=keys,
            value_columns=("n_targets", "n_with_progress", "n_on_track"),
            derived_columns=("median_progress_ratio",),
            dominance_columns=(),
            rollups=(_KIND_TO_ALL,),
            min_contributors=min_contributors,
            public_members=public_members,
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )


def compute_compliance(
    members: pl.LazyFrame,
    targets: pl.LazyFrame,
    progress: pl.LazyFrame,
    *,
    as_of: date,
    target_set_on: pl.LazyFrame,
    min_contributors: int = MIN_CONTRIBUTORS,
    public_members: Collection[str] | None = None,
) -> pl.LazyFrame:
    """`mart.target_compliance`: per member kind (and all), who set a target within a year and who reported progress.

    Only kinds of member that must set a target are counted (`schemas.obligations`: not universities and research
    bodies, whose obligations are projects); members who joined after `as_of` are left out. A target counts as
    set within one year when the member's earliest `set_on` (from `target_set_on`: member_id, set_on; the first
    accepted targets submission) is at most one year after `joined_on`; with no `set_on` known, `as_of` stands in.
    `n_awaiting_target`: no target yet, and the year since joining has not passed. Progress "this year" is a
    progress row for `as_of.year` or `as_of.year - 1`: a year's value can only be reported once it has ended.
    Shares: within one year over n_members; reported progress over members with a target. `public_members`
    (whose progress the register publishes) are known: the rules count the others only.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> members = pl.LazyFrame(
    ...     {"member_id": ["a", "b", "c"], "kind": ["company"] * 3,
    ...      "joined_on": [date(2023, 4, 1), date(2023, 4, 1), date(2025, 1, 1)]}
    ... )
    >>> targets = pl.LazyFrame({"member_id": ["a", "b"], "target_id": ["T1", "T1"]})
    >>> progress = pl.LazyFrame({"member_id": ["a"], "target_id": ["T1"], "year": [2024]})
    >>> set_on = pl.LazyFrame({"member_id": ["a", "b"], "set_on": [date(2024, 1, 10), date(2024, 6, 1)]})
    >>> out = compute_compliance(members, targets, progress, as_of=date(2025, 6, 30), target_set_on=set_on).collect()
    >>> out.filter(member_kind="company").select(
    ...     "n_members", "n_with_target", "n_with_target_within_one_year", "n_awaiting_target",
    ...     "n_reported_progress_this_year", "share_reported_progress_this_year").row(0)
    (3, 2, 1, 1, 1, 0.5)

    """
    schema = TABLES["mart.target_compliance"]
    keys = ["member_kind"]
    with_target = targets.select("member_id").unique().with_columns(pl.lit(value=True).alias("_has_target"))
    first_set_on = (
        target_set_on.filter(pl.col("set_on") <= as_of)
        .group_by("member_id")
        .agg(pl.col("set_on").min().alias("_set_on"))
    )
    reported = (
        progress.filter(pl.col("year").is_in([as_of.year, as_of.year - 1]))
        .select("member_id")
        .unique()
        .with_columns(pl.lit(value=True).alias("_has_reported"))
    )
    deadline = pl.col("joined_on").dt.offset_by("1y")
    has_target = pl.col("_has_target").fill_null(value=False)
    must_set_target = sorted({rule.kind for rule in RULES if rule.obligation == "target_set"})
    per_member = (
        members.filter(pl.col("joined_on") <= as_of, pl.col("kind").is_in(must_set_target))
        .select("member_id", "kind", "joined_on")
        .join(with_target, on="member_id", how="left")
        .join(first_set_on, on="member_id", how="left")
        .join(reported, on="member_id", how="left")
        .select(
            "member_id",
            "kind",
            has_target.alias("_target"),
            (has_target & (pl.col("_set_on").fill_null(as_of) <= deadline)).alias("_within_one_year"),
            (~has_target & (deadline >= as_of)).alias("_awaiting"),
            (has_target & pl.col("_has_reported").fill_null(value=False)).alias("_reported"),
        )
    )
    rows = _with_kind(per_member.drop("kind"), per_member.select("member_id", "kind"))
    cells = rows.group_by(keys).agg(
        pl.len().alias("n_members"),
        pl.col("_target").sum().alias("n_with_target"),
        pl.col("_within_one_year").sum().alias("n_with_target_within_one_year"),
        pl.col("_awaiting").sum().alias("n_awaiting_target"),
        pl.col("_reported").sum().alias("n_reported_progress_this_year"),
    )
    counts = [name for name in unsuppressed(schema) if name.startswith("n_") and name != "n_members"]
    return (
        suppress_cells(
            cells.with_columns(
                (pl.col("n_with_target_within_one_year") / pl.col("n_members")).alias(
                    "share_with_target_within_one_year"
                ),
                pl.when(pl.col("n_with_target") > 0)
                .then(pl.col("n_reported_progress_this_year") / pl.col("n_with_target"))
                .alias("share_reported_progress_this_year"),
                pl.lit(as_of).alias("as_of"),
            ).sort(keys, nulls_last=True),
            rows.select(*keys, "member_id"),
            keys=keys,
            value_columns=counts,
            derived_columns=[name for name in schema if name.startswith("share_")],
            dominance_columns=(),
            rollups=(_KIND_TO_ALL,),
            min_contributors=min_contributors,
            public_members=public_members,
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )
