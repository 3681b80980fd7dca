"""Roadmaps: reference figures in canonical units, resource productivity, and roadmap targets against actuals.

Official actuals come from the secretariat's `reference_statistics`; the partnership's own contribution from the
published (already disclosure-controlled) members' aggregate in `mart.indicators`. The two are separate rows
(`basis` official | members) and are never mixed. A straight line from the baseline to the target gives the
value expected in an actual's year (`trajectory_value`); `gap` = actual − trajectory; on track when the actual
is at or beyond the line in the target's direction.
"""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.reference import CANONICAL_UNITS, NATIONAL, REFERENCE_UNITS
from schemas.regions import ALL_REGIONS, PREFECTURE
from schemas.tables import TABLES
from transforms.disclosure import MIN_CONTRIBUTORS, suppress_cells
from transforms.targets import INDICATOR_SOURCE_COLUMNS, current_targets

OFFICIAL = "official"
MEMBERS = "members"
NATIONAL_REGION = "JP"
GDP, POPULATION, NATURAL_RESOURCE_INPUT = "gdp_jpy", "population", "natural_resource_input"
RESOURCE_PRODUCTIVITY = "resource_productivity_jpy_per_t"
PER_CAPITA = "natural_resource_input_t_per_capita"
# National statistics are fiscal years: of a calendar year and a fiscal year with one number, the fiscal one.
_GRAIN_PREFERENCE: dict[str, int] = {"fiscal_year": 0, "year": 1}


def period_year(period: pl.Expr, grain: pl.Expr) -> pl.Expr:
    """The year of a yearly period (`FY2019` → 2019, `2019` → 2019); null for months.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"period": ["FY2019", "2020", "2024-05"], "grain": ["fiscal_year", "year", "month"]})
        >>> frame.select(period_year(pl.col("period"), pl.col("grain"))).to_series().to_list()
        [2019, 2020, None]

    """
    return (
        pl.when(grain.is_in(list(_GRAIN_PREFERENCE)))
        .then(period.str.strip_prefix("FY"))
        .cast(pl.Int32, strict=False)
        .alias("year")
    )


def in_canonical_unit(value: pl.Expr, *, indicator: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """A value converted to its indicator's canonical unit (19 % → 0.19, 11 百万トン → 11e6 t); null if it cannot be.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame(
        ...     {"indicator": ["input_cyclical_use_rate", "final_disposal", "resource_productivity_jpy_per_t",
        ...                    "final_disposal"],
        ...      "unit": ["%", "百万トン", "万円/t", "%"], "value": [19.0, 11.0, 60.0, 5.0]}
        ... )
        >>> frame.select(in_canonical_unit(pl.col("value"), indicator=pl.col("indicator"), unit=pl.col("unit")))[
        ...     "value"
        ... ].to_list()
        [0.19, 11000000.0, 600000.0, None]

    """
    canonical = unit.replace_strict({code: dimension for code, (dimension, _) in REFERENCE_UNITS.items()}, default=None)
    factor = unit.replace_strict(
        {code: factor for code, (_, factor) in REFERENCE_UNITS.items()}, default=None, return_dtype=pl.Float64
    )
    expected = indicator.replace_strict(CANONICAL_UNITS, default=None)
    return pl.when(canonical == expected).then(value * factor)


def reference_values(statistics: pl.LazyFrame) -> pl.LazyFrame:
    """`core.reference_statistics` in canonical units, with the year of each period (monthly figures left out)."""
    return (
        statistics.with_columns(
            in_canonical_unit(pl.col("value"), indicator=pl.col("indicator"), unit=pl.col("unit")).alias("value"),
            pl.col("indicator").replace_strict(CANONICAL_UNITS, default=None).alias("unit"),
            period_year(pl.col("period"), pl.col("grain")),
        )
        .filter(pl.col("year").is_not_null())
        .select(
            "indicator",
            "scope",
            "region",
            "period",
            "year",
            "period_start",
            "period_end",
            "grain",
            "value",
            "unit",
            "source",
        )
    )


def _headline(indicators: pl.LazyFrame, region: str) -> pl.LazyFrame:
    """The members' aggregate over every material for one region (JP: every region)."""
    if region == NATIONAL_REGION:
        return indicators.filter(pl.col("material_level") == v.ALL_MATERIALS, pl.col("region_level") == ALL_REGIONS)
    return indicators.filter(
        pl.col("material_level") == v.ALL_MATERIALS, pl.col("region_level") == PREFECTURE, pl.col("region") == region
    )


def compute_resource_productivity(statistics: pl.LazyFrame, indicators: pl.LazyFrame) -> pl.LazyFrame:
    """`mart.resource_productivity`: GDP ÷ natural resource input and input per person, wherever a denominator exists.

    For each region and period with a loaded `gdp_jpy` or `population`: an `official` row from the secretariat's
    natural resource input for it, and a `members` row from the members' aggregate in `mart.indicators` (region JP:
    every region); a suppressed aggregate stays suppressed. Zero or missing denominators give null.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> from schemas.tables import TABLES
    >>> stats = pl.LazyFrame(
    ...     {"indicator": ["gdp_jpy", "natural_resource_input", "population"], "scope": ["national"] * 3,
    ...      "region": ["JP"] * 3, "period": ["FY2019"] * 3, "period_start": [date(2019, 4, 1)] * 3,
    ...      "period_end": [date(2020, 3, 31)] * 3, "grain": ["fiscal_year"] * 3, "value": [550.0, 1250.0, 1.25e8],
    ...      "unit": ["兆円", "百万トン", "人"], "source": ["s"] * 3}
    ... )
    >>> empty = pl.LazyFrame(schema=TABLES["mart.indicators"])
    >>> out = compute_resource_productivity(stats, empty).collect()
    >>> out.select("basis", "resource_productivity_jpy_per_t", "natural_resource_input_t_per_capita").row(0)
    ('official', 440000.0, 10.0)

    """
    schema = TABLES["mart.resource_productivity"]
    values = reference_values(statistics)
    cell = ["region", "period", "period_start", "period_end", "grain"]
    denominators = (
        values.filter(pl.col("indicator").is_in([GDP, POPULATION]))
        .group_by(cell)
        .agg(
            pl.col("value").filter(pl.col("indicator") == GDP).first().alias(GDP),
            pl.col("value").filter(pl.col("indicator") == POPULATION).first().alias(POPULATION),
        )
    )
    official_input = values.filter(pl.col("indicator") == NATURAL_RESOURCE_INPUT, pl.col("scope") == NATIONAL).select(
        "region", "period", pl.col("value").alias("natural_resource_input_t")
    )
    official = denominators.join(official_input, on=["region", "period"], how="inner").with_columns(
        basis=pl.lit(OFFICIAL),
        contributors=pl.lit(None, dtype=pl.Int32),
        suppressed=pl.lit(value=False),
        suppression_reason=pl.lit(None, dtype=pl.String),
    )
    regions = denominators.select("region").unique().collect().get_column("region").to_list()
    members_input = [
        _headline(indicators, region).select(
            pl.lit(region).alias("region"),
            "period",
            "natural_resource_input_t",
            "contributors",
            "suppressed",
            "suppression_reason",
        )
        for region in sorted(regions)
    ]
    frames = [official]
    if members_input:
        frames.append(
            denominators.join(pl.concat(members_input), on=["region", "period"], how="inner").with_columns(
                basis=pl.lit(MEMBERS)
            )
        )
    nri = pl.col("natural_resource_input_t")
    return (
        pl.concat([frame.select(sorted(frame.collect_schema().names())) for frame in frames], how="diagonal_relaxed")
        .with_columns(
            pl.when(nri > 0).then(pl.col(GDP) / nri).alias(RESOURCE_PRODUCTIVITY),
            pl.when(pl.col(POPULATION) > 0).then(nri / pl.col(POPULATION)).alias(PER_CAPITA),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort("region", "period_start", "period", "basis")
    )


def trajectory(
    *, baseline_year: pl.Expr, baseline_value: pl.Expr, target_year: pl.Expr, target_value: pl.Expr, year: pl.Expr
) -> pl.Expr:
    """The straight line from baseline to target at `year` (held at the ends); null without a baseline.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"year": [2019, 2025, 2030, 2035]})
        >>> line = trajectory(baseline_year=pl.lit(2019), baseline_value=pl.lit(0.157), target_year=pl.lit(2030),
        ...                   target_value=pl.lit(0.19), year=pl.col("year"))
        >>> [round(value, 4) for value in frame.select(line).to_series().to_list()]
        [0.157, 0.175, 0.19, 0.19]

    """
    fraction = ((year - baseline_year) / (target_year - baseline_year)).clip(0.0, 1.0)
    return pl.when(target_year > baseline_year).then(baseline_value + (target_value - baseline_value) * fraction)


def _members_actuals(
    roadmaps: pl.LazyFrame, indicators: pl.LazyFrame, resource_productivity: pl.LazyFrame
) -> pl.LazyFrame:
    """Every yearly members' aggregate of each roadmap's indicator and scope (roadmap_id, period, value, …)."""
    scope = pl.col("scope")
    level = (
        pl.when(scope == NATIONAL)
        .then(pl.lit(v.ALL_MATERIALS))
        .when(scope.is_in(list(v.MATERIAL_LEAF_CODES)))
        .then(pl.lit("leaf"))
        .when(scope.is_in(list(v.MATERIAL_GROUP_CODES)))
        .then(pl.lit("group"))
    )
    material = pl.when(scope == NATIONAL).then(pl.lit(v.ALL_MATERIALS)).otherwise(scope)
    columns = sorted(set(INDICATOR_SOURCE_COLUMNS.values()))
    column_to_indicator = {column: code for code, column in INDICATOR_SOURCE_COLUMNS.items()}
    from_flows = (
        indicators.filter(pl.col("region_level") == ALL_REGIONS)
        .unpivot(
            on=columns,
            index=["period", "grain", "material", "material_level", "contributors", "suppressed", "suppression_reason"],
            variable_name="_column",
            value_name="actual_value",
        )
        .with_columns(pl.col("_column").replace_strict(column_to_indicator).alias("indicator"))
        .drop("_column")
    )
    by_scope = roadmaps.select(
        "roadmap_id", "indicator", material.alias("material"), level.alias("material_level")
    ).join(from_flows, on=["indicator", "material", "material_level"], how="inner")
    ratios = (
        resource_productivity.filter(pl.col("basis") == MEMBERS, pl.col("region") == NATIONAL_REGION)
        .unpivot(
            on=[RESOURCE_PRODUCTIVITY, PER_CAPITA],
            index=["period", "grain", "contributors", "suppressed", "suppression_reason"],
            variable_name="indicator",
            value_name="actual_value",
        )
        .join(roadmaps.filter(scope == NATIONAL).select("roadmap_id", "indicator"), on="indicator", how="inner")
    )
    keep = ["roadmap_id", "period", "grain", "actual_value", "contributors", "suppressed", "suppression_reason"]
    return pl.concat([by_scope.select(keep), ratios.select(keep)], how="vertical_relaxed").with_columns(
        actual_source=pl.lit("mart.indicators (members' aggregate)")
    )


def _official_actuals(
    roadmaps: pl.LazyFrame, statistics: pl.LazyFrame, resource_productivity: pl.LazyFrame
) -> pl.LazyFrame:
    """Every yearly official figure of each roadmap's indicator and scope (published, else computed from GDP)."""
    values = reference_values(statistics).filter(pl.col("region") == NATIONAL_REGION)
    published = roadmaps.select("roadmap_id", "indicator", "scope").join(
        values.select(
            "indicator",
            "scope",
            "period",
            "grain",
            pl.col("value").alias("actual_value"),
            pl.col("source").alias("actual_source"),
        ),
        on=["indicator", "scope"],
        how="inner",
    )
    computed = (
        resource_productivity.filter(pl.col("basis") == OFFICIAL, pl.col("region") == NATIONAL_REGION)
        .unpivot(
            on=[RESOURCE_PRODUCTIVITY, PER_CAPITA],
            index=["period", "grain"],
            variable_name="indicator",
            value_name="actual_value",
        )
        .join(roadmaps.filter(pl.col("scope") == NATIONAL).select("roadmap_id", "indicator"), on="indicator")
        .filter(pl.col("actual_value").is_not_null())
        .with_columns(actual_source=pl.lit("mart.resource_productivity (GDP ÷ natural resource input)"))
        .join(published, on=["roadmap_id", "period"], how="anti")  # a published figure wins over the computed one
    )
    keep = ["roadmap_id", "period", "grain", "actual_value", "actual_source"]
    return pl.concat([published.select(keep), computed.select(keep)], how="vertical_relaxed").with_columns(
        contributors=pl.lit(None, dtype=pl.Int32),
        suppressed=pl.lit(value=False),
        suppression_reason=pl.lit(None, dtype=pl.String),
    )


def _yearly(actuals: pl.LazyFrame) -> pl.LazyFrame:
    """One actual per roadmap and year: the fiscal year over the calendar year, a value over a withheld one."""
    return (
        actuals.with_columns(
            period_year(pl.col("period"), pl.col("grain")).alias("actual_year"),
            pl.col("grain").replace_strict(_GRAIN_PREFERENCE, default=9, return_dtype=pl.Int8).alias("_grain"),
            pl.col("actual_value").is_null().alias("_missing"),
        )
        .filter(pl.col("actual_year").is_not_null())
        .sort("_missing", "_grain", "period")
        .unique(subset=["roadmap_id", "actual_year"], keep="first", maintain_order=True)
        .rename({"period": "actual_period"})
        .drop("grain", "_grain", "_missing")
    )


def contributing_members(
    roadmaps: pl.LazyFrame, targets: pl.LazyFrame, *, min_contributors: int = MIN_CONTRIBUTORS
) -> pl.LazyFrame:
    """Members whose current targets name each roadmap (roadmap_id, n_contributing_members); null below the minimum.

    Examples
    --------
    >>> import polars as pl
    >>> roadmaps = pl.LazyFrame({"roadmap_id": ["R1", "R2"]})
    >>> targets = pl.LazyFrame(
    ...     {"member_id": ["a", "b", "c", "a"], "target_id": ["T1", "T1", "T1", "T2"],
    ...      "roadmap_id": ["R1", "R1", "R1", "R2"], "valid_from": [None] * 4}
    ... ).with_columns(pl.col("valid_from").cast(pl.Date))
    >>> contributing_members(roadmaps, targets).collect().rows()
    [('R1', 3), ('R2', None)]

    """
    naming = current_targets(targets).filter(pl.col("roadmap_id").is_not_null()).select("roadmap_id", "member_id")
    counts = (
        roadmaps.select("roadmap_id")
        .unique()
        .join(
            naming.group_by("roadmap_id").agg(pl.col("member_id").n_unique().alias("n_contributing_members")),
            on="roadmap_id",
            how="left",
        )
    )
    return (
        suppress_cells(
            counts.with_columns(pl.col("n_contributing_members").fill_null(0)).sort("roadmap_id"),
            naming.unique(),
            keys=["roadmap_id"],
            value_columns=("n_contributing_members",),
            dominance_columns=(),
            min_contributors=min_contributors,
        )
        .select("roadmap_id", pl.col("n_contributing_members").cast(pl.Int32))
        .sort("roadmap_id")
    )


def compute_roadmap_progress(
    roadmap_targets: pl.LazyFrame,
    statistics: pl.LazyFrame,
    indicators: pl.LazyFrame,
    resource_productivity: pl.LazyFrame,
    targets: pl.LazyFrame,
    *,
    min_contributors: int = MIN_CONTRIBUTORS,
) -> pl.LazyFrame:
    """`mart.roadmap_progress`: each roadmap target against the official actuals and the members' aggregate, by year.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> from schemas.tables import TABLES
    >>> roadmaps = pl.LazyFrame(
    ...     {"roadmap_id": ["R"], "scope": ["national"], "indicator": ["input_cyclical_use_rate"],
    ...      "baseline_year": [2019], "baseline_value": [15.7], "target_year": [2030], "target_value": [19.0],
    ...      "unit": ["%"], "source": ["plan"]}
    ... )
    >>> stats = pl.LazyFrame(
    ...     {"indicator": ["input_cyclical_use_rate"], "scope": ["national"], "region": ["JP"], "period": ["FY2024"],
    ...      "period_start": [date(2024, 4, 1)], "period_end": [date(2025, 3, 31)], "grain": ["fiscal_year"],
    ...      "value": [17.0], "unit": ["%"], "source": ["white paper"]}
    ... )
    >>> empty = {name: pl.LazyFrame(schema=TABLES[name]) for name in ("mart.indicators", "mart.resource_productivity",
    ...          "core.targets")}
    >>> out = compute_roadmap_progress(roadmaps, stats, empty["mart.indicators"], empty["mart.resource_productivity"],
    ...                                empty["core.targets"]).collect()
    >>> row = out.filter(basis="official").row(0, named=True)
    >>> round(row["trajectory_value"], 4), round(row["gap"], 4), row["is_on_track"]
    (0.172, -0.002, False)

    """
    schema = TABLES["mart.roadmap_progress"]
    unit = pl.col("unit")
    roadmaps = roadmap_targets.with_columns(
        in_canonical_unit(pl.col("baseline_value"), indicator=pl.col("indicator"), unit=unit).alias("baseline_value"),
        in_canonical_unit(pl.col("target_value"), indicator=pl.col("indicator"), unit=unit).alias("target_value"),
        pl.col("indicator").replace_strict(CANONICAL_UNITS, default=None).alias("unit"),
    )
    defined = roadmaps.select(
        "roadmap_id",
        "scope",
        "indicator",
        "unit",
        "baseline_year",
        "baseline_value",
        "target_year",
        "target_value",
        "source",
    )
    actuals = pl.concat(
        [
            _yearly(_official_actuals(defined, statistics, resource_productivity)).with_columns(basis=pl.lit(OFFICIAL)),
            _yearly(_members_actuals(defined, indicators, resource_productivity)).with_columns(basis=pl.lit(MEMBERS)),
        ],
        how="diagonal_relaxed",
    )
    bases = pl.LazyFrame({"basis": [OFFICIAL, MEMBERS]})
    rows = defined.join(bases, how="cross").join(actuals, on=["roadmap_id", "basis"], how="left")
    line = trajectory(
        baseline_year=pl.col("baseline_year"),
        baseline_value=pl.col("baseline_value"),
        target_year=pl.col("target_year"),
        target_value=pl.col("target_value"),
        year=pl.col("actual_year"),
    )
    rising = pl.col("target_value") >= pl.col("baseline_value")
    gap = pl.col("gap")
    latest = pl.col("actual_year").fill_null(-1) == pl.col("actual_year").fill_null(-1).max().over(
        "roadmap_id", "basis"
    )
    return (
        rows.with_columns(line.alias("trajectory_value"))
        .with_columns((pl.col("actual_value") - pl.col("trajectory_value")).alias("gap"))
        .with_columns(
            pl.when(gap.is_not_null()).then(pl.when(rising).then(gap >= 0).otherwise(gap <= 0)).alias("is_on_track"),
            latest.alias("is_latest"),
            pl.col("suppressed").fill_null(value=False),
        )
        .join(contributing_members(defined, targets, min_contributors=min_contributors), on="roadmap_id", how="left")
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort("roadmap_id", "basis", "actual_year", nulls_last=True)
    )
