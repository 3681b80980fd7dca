"""Resource productivity and roadmap progress, worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from schemas.tables import TABLES
from transforms.roadmaps import compute_resource_productivity, compute_roadmap_progress, in_canonical_unit

FY2019 = {"period": "FY2019", "period_start": date(2019, 4, 1), "period_end": date(2020, 3, 31), "grain": "fiscal_year"}


def statistics(rows: list[dict[str, Any]]) -> pl.LazyFrame:
    base = {"scope": "national", "region": "JP", **FY2019, "source": "a published table"}
    schema = {name: TABLES["core.reference_statistics"][name] for name in (*base, "indicator", "value", "unit")}
    return pl.DataFrame([{**base, **row} for row in rows], schema=schema).lazy()


def indicators(rows: list[dict[str, Any]]) -> pl.LazyFrame:
    """mart.indicators headline rows (all materials, all regions unless said)."""
    base = {"material": "all", "material_level": "all", "region": "all", "region_level": "all", "contributors": 4,
            "suppressed": False, "suppression_reason": None}  # fmt: skip
    frame = pl.DataFrame([{**base, **row} for row in rows], infer_schema_length=None)
    return frame.lazy().select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in TABLES["mart.indicators"].items()
        ]  # fmt: skip
    )


EMPTY_INDICATORS = pl.LazyFrame(schema=TABLES["mart.indicators"])
EMPTY_PRODUCTIVITY = pl.LazyFrame(schema=TABLES["mart.resource_productivity"])
EMPTY_TARGETS = pl.LazyFrame(schema=TABLES["core.targets"])


def test_resource_productivity_from_a_given_gdp_and_natural_resource_input() -> None:
    stats = statistics(
        [
            {"indicator": "gdp_jpy", "value": 550.0, "unit": "兆円"},  # 5.5e14 JPY
            {"indicator": "natural_resource_input", "value": 1250.0, "unit": "百万トン"},  # 1.25e9 t
            {"indicator": "population", "value": 125_000.0, "unit": "千人"},  # 1.25e8 persons
        ]
    )
    members = indicators([{**FY2019, "natural_resource_input_t": 2.5e6, "contributors": 7}])
    out = compute_resource_productivity(stats, members).collect()
    rows = {row["basis"]: row for row in out.iter_rows(named=True)}
    # 5.5e14 / 1.25e9 = 440,000 JPY/t (44万円/t); 1.25e9 / 1.25e8 = 10 t per person
    assert rows["official"]["resource_productivity_jpy_per_t"] == pytest.approx(440_000.0)
    assert rows["official"]["natural_resource_input_t_per_capita"] == pytest.approx(10.0)
    assert rows["official"]["contributors"] is None
    # the members' aggregate over the same denominators: 5.5e14 / 2.5e6 = 2.2e8; 2.5e6 / 1.25e8 = 0.02
    assert rows["members"]["resource_productivity_jpy_per_t"] == pytest.approx(2.2e8)
    assert rows["members"]["natural_resource_input_t_per_capita"] == pytest.approx(0.02)
    assert rows["members"]["contributors"] == 7
    assert out.schema == TABLES["mart.resource_productivity"]


def test_no_denominator_no_row_and_a_suppressed_aggregate_stays_suppressed() -> None:
    assert compute_resource_productivity(statistics([]), EMPTY_INDICATORS).collect().is_empty()
    stats = statistics([{"indicator": "population", "value": 1.25e8, "unit": "人"}])
    members = indicators(
        [{**FY2019, "natural_resource_input_t": None, "suppressed": True, "suppression_reason": "dominance"}]
    )
    row = compute_resource_productivity(stats, members).collect().row(0, named=True)
    assert (row["basis"], row["natural_resource_input_t_per_capita"], row["suppressed"]) == ("members", None, True)
    assert row["suppression_reason"] == "dominance"


def test_a_prefecture_uses_its_own_members_and_denominator() -> None:
    stats = statistics([{"indicator": "population", "region": "JP-40", "value": 5.0e6, "unit": "人"}])
    members = indicators(
        [
            {**FY2019, "region": "JP-40", "region_level": "prefecture", "natural_resource_input_t": 1.0e6},
            {**FY2019, "natural_resource_input_t": 9.0e6},
        ]
    )
    row = compute_resource_productivity(stats, members).collect().row(0, named=True)
    assert (row["region"], row["natural_resource_input_t_per_capita"]) == ("JP-40", 0.2)


def test_units_convert_to_the_canonical_one_and_a_wrong_dimension_is_null() -> None:
    frame = pl.DataFrame(
        {
            "indicator": ["final_disposal", "output_cyclical_use_rate", "output_cyclical_use_rate", "gdp_jpy"],
            "unit": ["千トン", "ratio", "t", "億円"],
            "value": [2.0, 0.43, 5.0, 3.0],
        }  # fmt: skip
    )
    out = frame.select(in_canonical_unit(pl.col("value"), indicator=pl.col("indicator"), unit=pl.col("unit")))
    assert out.to_series().to_list() == [2000.0, 0.43, None, 3e8]


ROADMAPS = pl.LazyFrame(
    {
        "roadmap_id": ["plan5.input", "plan5.disposal"],
        "scope": ["national", "national"],
        "indicator": ["input_cyclical_use_rate", "final_disposal"],
        "baseline_year": [2019, 2019],
        "baseline_value": [15.7, 13.04],
        "target_year": [2030, 2030],
        "target_value": [19.0, 11.0],
        "unit": ["%", "百万トン"],
        "source": ["plan", "plan"],
    },
    schema_overrides={"baseline_year": pl.Int32, "target_year": pl.Int32},
)
FY2024 = {"period": "FY2024", "period_start": date(2024, 4, 1), "period_end": date(2025, 3, 31), "grain": "fiscal_year"}
FY2025 = {"period": "FY2025", "period_start": date(2025, 4, 1), "period_end": date(2026, 3, 31), "grain": "fiscal_year"}


def progress(stats: pl.LazyFrame, members: pl.LazyFrame = EMPTY_INDICATORS, **kwargs: Any) -> pl.DataFrame:
    targets = kwargs.pop("targets", EMPTY_TARGETS)
    return compute_roadmap_progress(ROADMAPS, stats, members, EMPTY_PRODUCTIVITY, targets, **kwargs).collect()


def test_trajectory_gap_and_on_track_for_a_mid_way_year() -> None:
    stats = statistics(
        [
            {"indicator": "input_cyclical_use_rate", "value": 15.7, "unit": "%"},
            {"indicator": "input_cyclical_use_rate", **FY2024, "value": 17.0, "unit": "%"},
            {"indicator": "final_disposal", **FY2025, "value": 11.8, "unit": "百万トン"},
        ]
    )
    out = progress(stats).filter(basis="official", is_latest=True)
    rows = {row["roadmap_id"]: row for row in out.iter_rows(named=True)}
    rate = rows["plan5.input"]
    # FY2024 is 5 of 11 years: 0.157 + (0.19 - 0.157) × 5/11 = 0.172; gap 0.170 - 0.172 = -0.002: behind
    assert (rate["actual_period"], rate["actual_year"], rate["actual_value"]) == ("FY2024", 2024, 0.17)
    assert rate["trajectory_value"] == pytest.approx(0.172)
    assert rate["gap"] == pytest.approx(-0.002)
    assert rate["is_on_track"] is False
    disposal = rows["plan5.disposal"]
    # FY2025 is 6 of 11 years: 13.04e6 - 2.04e6 × 6/11 = 11,927,273 t; 11.8e6 is below the line: a falling target
    # on track
    assert disposal["trajectory_value"] == pytest.approx(13.04e6 - 2.04e6 * 6 / 11)
    assert disposal["gap"] == pytest.approx(11.8e6 - (13.04e6 - 2.04e6 * 6 / 11))
    assert disposal["is_on_track"] is True
    assert (disposal["unit"], disposal["target_value"]) == ("t", 11e6)
    # every year is a row; only the latest is marked
    assert progress(stats).filter(roadmap_id="plan5.input", basis="official").get_column("actual_year").to_list() == [
        2019,
        2024,
    ]


def test_official_and_members_rows_are_never_mixed() -> None:
    stats = statistics([{"indicator": "input_cyclical_use_rate", **FY2024, "value": 17.0, "unit": "%"}])
    members = indicators([{**FY2024, "input_cyclical_use_rate": 0.30, "contributors": 5}])
    out = progress(stats, members).filter(roadmap_id="plan5.input").sort("basis")
    assert out.select("basis", "actual_value", "contributors").rows() == [
        ("members", 0.30, 5),
        ("official", 0.17, None),
    ]
    assert out.filter(basis="members").get_column("is_on_track").to_list() == [True]
    # a roadmap with no actual on one side still has that side's row, empty
    disposal = progress(stats, members).filter(roadmap_id="plan5.disposal")
    assert disposal.select("basis", "actual_value", "is_on_track", "is_latest").sort("basis").rows() == [
        ("members", None, None, True),
        ("official", None, None, True),
    ]
    assert progress(stats, members).schema == TABLES["mart.roadmap_progress"]


def test_a_withheld_members_aggregate_is_shown_as_withheld() -> None:
    members = indicators(
        [{**FY2024, "input_cyclical_use_rate": None, "suppressed": True, "suppression_reason": "few_contributors"}]
    )
    row = progress(statistics([]), members).filter(roadmap_id="plan5.input", basis="members").row(0, named=True)
    assert (row["actual_value"], row["suppressed"], row["suppression_reason"]) == (None, True, "few_contributors")


def test_members_naming_a_roadmap_are_counted_and_few_are_withheld() -> None:
    targets = pl.DataFrame(
        {
            "member_id": ["a", "b", "c", "d", "e"],
            "target_id": ["T1"] * 5,
            "roadmap_id": ["plan5.input"] * 3 + ["plan5.disposal"] * 2,
            "valid_from": [date(2025, 1, 1)] * 5,
        }
    )
    frame = (
        pl.LazyFrame(schema=TABLES["core.targets"])
        .collect()
        .vstack(
            targets.select(
                [
                    (pl.col(n) if n in targets.columns else pl.lit(None)).cast(d).alias(n)
                    for n, d in TABLES["core.targets"].items()
                ]
            )  # fmt: skip
        )
    )
    out = progress(statistics([]), targets=frame.lazy(), min_contributors=3)
    counts = dict(out.select("roadmap_id", "n_contributing_members").unique().rows())
    assert counts == {"plan5.input": 3, "plan5.disposal": None}


def test_a_members_target_progress_names_the_roadmap_it_contributes_to() -> None:
    from tests.factories import make_targets
    from transforms.targets import compute_target_progress

    targets = make_targets(roadmap_id="plan5.input").with_columns(valid_from=pl.lit(date(2024, 5, 1)))
    out = compute_target_progress(
        targets.lazy(),
        pl.LazyFrame(schema=TABLES["core.progress"]),
        pl.LazyFrame(schema=TABLES["core.member_indicators"]),
    ).collect()
    assert out.get_column("roadmap_id").to_list() == ["plan5.input"]
    assert out.schema == TABLES["core.target_progress"]
