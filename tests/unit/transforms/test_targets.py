"""Target progress, computed-vs-reported checks and the compliance view, on examples worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas.tables import TABLES
from tests.factories import make_progress, make_targets
from transforms.targets import (
    compute_compliance,
    compute_target_progress,
    current_targets,
    merge_target_versions,
    summarize_target_progress,
)

M = "city-a"


def _member_indicators(rows: list[dict[str, Any]]) -> pl.LazyFrame:
    """`core.member_indicators` rows; unspecified columns null, scope "all materials, all regions"."""
    base = {"member_id": M, "material": "all", "material_level": "all", "region": "all", "region_level": "all"}
    records = []
    for row in rows:
        record = {**base, **row}
        record["grain"] = "fiscal_year" if record["period"].startswith("FY") else "year"
        records.append(record)
    return pl.DataFrame(records, schema=TABLES["core.member_indicators"], strict=False).lazy()


TARGETS: list[dict[str, Any]] = [
    # T1 ratio: baseline 2020 0.10 -> 2030 0.20
    {"target_id": "T1", "indicator": "input_cyclical_use_rate", "baseline_value": 0.10, "target_value": 0.20},
    # T2 the same in %: 10 -> 20
    {
        "target_id": "T2",
        "indicator": "input_cyclical_use_rate",
        "baseline_value": 10.0,
        "target_value": 20.0,
        "unit": "%",
    },
    # T3 no progress reported yet
    {"target_id": "T3", "indicator": "recovery_rate", "baseline_value": 0.3, "target_value": 0.5},
    # T4 target == baseline (hold final disposal at 100 t)
    {"target_id": "T4", "indicator": "final_disposal", "baseline_value": 100.0, "target_value": 100.0, "unit": "t"},
    # T5 waste generated in kt, 3.0 -> 2.0
    {"target_id": "T5", "indicator": "waste_generated", "baseline_value": 3.0, "target_value": 2.0, "unit": "kt"},
    # T6 plastics recovery rate (material group scope)
    {
        "target_id": "T6",
        "indicator": "recovery_rate",
        "material": "plastics",
        "baseline_value": 0.4,
        "target_value": 0.6,
    },
    # T7 custom: nothing to compute
    {"target_id": "T7", "indicator": "custom", "baseline_value": 1.0, "target_value": 2.0, "unit": "件"},
]
PROGRESS: list[dict[str, Any]] = [
    {"target_id": "T1", "year": 2023, "value": 0.12},
    {"target_id": "T1", "year": 2024, "value": 0.15},
    {"target_id": "T1", "year": 2025, "value": 0.30},  # after as_of_year=2024: ignored
    {"target_id": "T2", "year": 2024, "value": 13.0},
    {"target_id": "T4", "year": 2024, "value": 90.0},
    {"target_id": "T5", "year": 2024, "value": 2.4},
    {"target_id": "T6", "year": 2024, "value": 0.5},
    {"target_id": "T7", "year": 2024, "value": 1.5},
]
INDICATORS: list[dict[str, Any]] = [
    # all materials: only the fiscal year 2024 is reported
    {"period": "FY2024", "input_cyclical_use_rate": 0.16, "final_disposal_t": 95.0, "waste_generated_t": 2500.0},
    # plastics group: calendar 2024 (0.52) is preferred over FY2024 (0.99); the leaf-level row of material
    # "plastics" as reported (0.9) and the JP-40 region row are other scopes
    {"period": "2024", "material": "plastics", "material_level": "group", "recovery_rate": 0.52},
    {"period": "FY2024", "material": "plastics", "material_level": "group", "recovery_rate": 0.99},
    {"period": "2024", "material": "plastics", "material_level": "leaf", "recovery_rate": 0.9},
    {"period": "2024", "material": "plastics", "material_level": "group", "region": "JP-40", "region_level": "region"},
]


FIRST_VERSION = pl.lit(date(2023, 6, 1))


def _progress_table(*, as_of_year: int | None = 2024) -> pl.DataFrame:
    targets = make_targets(rows=[{"member_id": M, **row} for row in TARGETS]).with_columns(valid_from=FIRST_VERSION)
    progress = make_progress(rows=[{"member_id": M, **row} for row in PROGRESS]).lazy()
    return compute_target_progress(
        targets.lazy(), progress, _member_indicators(INDICATORS), as_of_year=as_of_year
    ).collect()


def test_progress_table_matches_hand_computation() -> None:
    out = _progress_table()
    assert out.schema == TABLES["core.target_progress"]
    columns = [
        "target_id",
        "latest_year",
        "latest_value",
        "progress_ratio",
        "expected_ratio",
        "is_on_track",
        "computed_period",
        "computed_value",
        "differs_from_reported",
    ]
    expected = pl.DataFrame(
        [
            # T1: (0.15 - 0.10) / (0.20 - 0.10) = 0.5; (2024 - 2020) / (2030 - 2020) = 0.4 -> on track.
            #     computed 0.16 (FY2024); |0.16 - 0.15| = 0.01 > 5 % of 0.15 = 0.0075 -> differs
            ("T1", 2024, 0.15, 0.5, 0.4, True, "FY2024", 0.16, True),
            # T2: (13 - 10) / (20 - 10) = 0.3 < 0.4 -> off track; computed 0.16 x 100 = 16; |16 - 13| = 3 > 0.65
            ("T2", 2024, 13.0, 0.3, 0.4, False, "FY2024", 16.0, True),
            # T3: no progress: nothing to compare
            ("T3", None, None, None, None, None, None, None, None),
            # T4: target == baseline: no ratio; computed FY2024 95 t; |95 - 90| = 5 > 4.5 -> differs
            ("T4", 2024, 90.0, None, 0.4, None, "FY2024", 95.0, True),
            # T5: (2.4 - 3) / (2 - 3) = 0.6 >= 0.4 -> on track; 2500 t = 2.5 kt; |2.5 - 2.4| = 0.1 <= 0.12
            ("T5", 2024, 2.4, 0.6, 0.4, True, "FY2024", 2.5, False),
            # T6: (0.5 - 0.4) / (0.6 - 0.4) = 0.5; group row of 2024: 0.52; |0.02| <= 0.025
            ("T6", 2024, 0.5, 0.5, 0.4, True, "2024", 0.52, False),
            # T7: custom: (1.5 - 1) / (2 - 1) = 0.5; no computed value
            ("T7", 2024, 1.5, 0.5, 0.4, True, None, None, None),
        ],
        schema={name: TABLES["core.target_progress"][name] for name in columns},
        orient="row",
    )
    assert_frame_equal(out.select(columns), expected, abs_tol=1e-9)


def test_latest_progress_without_as_of_year() -> None:
    out = _progress_table(as_of_year=None).filter(target_id="T1")
    # latest is now 2025: (0.30 - 0.10) / 0.10 = 2.0; (2025 - 2020) / 10 = 0.5; no 2025 indicators
    assert out.select("latest_year", "progress_ratio", "expected_ratio", "computed_value").row(0) == pytest.approx(
        (2025, 2.0, 0.5, None)
    )


def test_progress_is_summarized_by_kind_with_small_kinds_hidden() -> None:
    members = pl.LazyFrame(
        {
            "member_id": ["c1", "c2", "c3", "m1", "u1", "u2", "u3"],
            "kind": ["company"] * 3 + ["municipality"] + ["university"] * 3,
        }
    )
    progress = pl.LazyFrame(
        {
            "member_id": ["c1", "c2", "c3", "m1", "u1", "u2", "u3"],
            "indicator": ["recovery_rate"] * 7,
            "latest_year": [2024, 2024, None, 2024, 2024, 2024, 2024],
            "progress_ratio": [0.8, 0.2, None, 1.0, 0.5, 0.6, 0.7],
            "is_on_track": [True, False, None, True, True, True, True],
        }
    )
    out = summarize_target_progress(progress, members).collect()
    assert out.schema == TABLES["mart.target_progress"]
    expected = pl.DataFrame(
        [
            # all: 7 targets, 6 with progress, on track c1 m1 u1 u2 u3 = 5;
            # median of 0.2 0.5 0.6 0.7 0.8 1.0 = (0.6 + 0.7) / 2 = 0.65
            ("recovery_rate", "all", 7, 7, 6, 5, 0.65, False, None),
            # company: sizes 3 + 2 + 1 = 6 < university 3 + 3 + 3 = 9, so company hides municipality
            ("recovery_rate", "company", 3, None, None, None, None, True, "secondary"),
            ("recovery_rate", "municipality", 1, None, None, None, None, True, "few_contributors"),
            # university: median of 0.5 0.6 0.7 = 0.6
            ("recovery_rate", "university", 3, 3, 3, 3, 0.6, False, None),
        ],
        schema=TABLES["mart.target_progress"],
        orient="row",
    )
    assert_frame_equal(out, expected, abs_tol=1e-9)


def test_compliance_counts_by_kind() -> None:
    as_of = date(2025, 6, 30)
    members = pl.LazyFrame(
        {
            "member_id": ["c1", "c2", "c3", "c4", "c5", "m1", "m2", "m3", "u1"],
            "name": ["C1", "C2", "C3", "C4", "C5", "M1", "M2", "M3", "U1"],
            "kind": ["company"] * 5 + ["municipality"] * 3 + ["university"],
            "region": ["JP"] * 9,
            "joined_on": [
                date(2023, 4, 1),  # c1: target set 2024-01-10, within the year; progress 2024
                date(2023, 4, 1),  # c2: target set 2024-06-01, after 2024-04-01; progress only 2023
                date(2025, 1, 1),  # c3: no target yet, deadline 2026-01-01 not passed: awaiting
                date(2022, 1, 1),  # c4: no target, deadline passed
                date(2025, 8, 1),  # c5: joins after as_of: not counted
                date(2024, 9, 1),  # m1: target, no set_on known: as_of 2025-06-30 <= 2025-09-01; progress 2025
                date(2020, 1, 1),  # m2: target set 2020-06-01; progress 2022 only
                date(2024, 10, 1),  # m3: no target, awaiting
                date(2023, 1, 1),  # u1: target set 2023-05-01, no progress
            ],
        }
    )
    targets = make_targets(rows=[{"member_id": m} for m in ("c1", "c2", "m1", "m2", "u1")]).lazy()
    progress = make_progress(
        rows=[
            {"member_id": "c1", "year": 2024},
            {"member_id": "c2", "year": 2023},
            {"member_id": "m1", "year": 2025},
            {"member_id": "m2", "year": 2022},
        ]
    ).lazy()
    set_on = pl.LazyFrame(
        {
            "member_id": ["c1", "c1", "c2", "m2", "u1"],
            "set_on": [date(2024, 1, 10), date(2024, 9, 1), date(2024, 6, 1), date(2020, 6, 1), date(2023, 5, 1)],
        }
    )
    out = compute_compliance(members, targets, progress, as_of=as_of, target_set_on=set_on).collect()
    assert out.schema == TABLES["mart.target_compliance"]
    expected = pl.DataFrame(
        [
            # A university need not set a target (its obligations are projects): u1 is not counted, target or not.
            # all: 7 members (c5 not yet, u1 not bound), targets c1 c2 m1 m2 = 4, within c1 m1 m2 = 3,
            # awaiting c3 m3 = 2, reported c1 m1 = 2; 3 / 7, 2 / 4 = 0.5
            (as_of, "all", 7, 4, 3, 2, 2, 3 / 7, 0.5, False, None),
            # company: 4 members, targets c1 c2, within c1, awaiting c3, reported c1; 1 / 4, 1 / 2
            (as_of, "company", 4, 2, 1, 1, 1, 0.25, 0.5, False, None),
            # municipality: 3 members, targets m1 m2 (both within), awaiting m3, reported m1; 2 / 3, 1 / 2
            (as_of, "municipality", 3, 2, 2, 1, 1, 2 / 3, 0.5, False, None),
        ],
        schema=TABLES["mart.target_compliance"],
        orient="row",
    )
    assert_frame_equal(out, expected, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("unit", "factor"),
    [("t", 1.0), ("kt", 0.001), ("Mt", 0.000_001), ("MT", 1.0), ("mt", 1.0), ("ｔ", 1.0), ("tonnes!", None)],
)
def test_a_tonnes_target_reads_its_unit_as_flows_do(unit: str, factor: float | None) -> None:
    from transforms.targets import _unit_factor

    out = pl.select(_unit_factor(pl.lit("waste_generated"), pl.lit(unit))).item()
    assert out == (pytest.approx(factor) if factor is not None else None)


def _versions(*versions: tuple[date, float, str]) -> pl.DataFrame:
    rows = [
        {"member_id": M, "target_id": "T1", "indicator": "custom", "target_value": value, "unit": "件"}
        for _, value, _ in versions
    ]
    return make_targets(rows=rows, lineage=True).with_columns(
        pl.Series("valid_from", [day for day, _, _ in versions]),
        pl.Series("submission_id", [sid for _, _, sid in versions]),
    )


def _core_targets(frame: pl.DataFrame) -> pl.DataFrame:
    # rows kept before versions had their moment: in force from the start of their day
    return frame.with_columns(valid_from_at=pl.lit(None, dtype=pl.Datetime("us", "UTC"))).select(
        list(TABLES["core.targets"])
    )


def test_a_changed_target_is_a_new_version_and_an_unchanged_one_is_not() -> None:
    first = _core_targets(_versions((date(2024, 5, 1), 20.0, "s1")))
    restated = _core_targets(_versions((date(2025, 5, 1), 20.0, "s2")))
    changed = _core_targets(_versions((date(2026, 5, 1), 30.0, "s3")))

    once = merge_target_versions(first, restated)
    assert once.select("valid_from", "submission_id").rows() == [(date(2024, 5, 1), "s2")]
    history = merge_target_versions(once, changed)
    assert history.select("valid_from", "target_value").rows() == [(date(2024, 5, 1), 20.0), (date(2026, 5, 1), 30.0)]
    assert merge_target_versions(history, changed).equals(history)  # a re-run changes nothing
    assert current_targets(history.lazy()).collect().get_column("target_value").to_list() == [30.0]


@pytest.mark.parametrize(("year", "expected_target"), [(2024, 20.0), (2025, 20.0), (2026, 30.0), (2027, 30.0)])
def test_progress_is_measured_against_the_version_in_force_for_its_year(year: int, expected_target: float) -> None:
    history = _core_targets(_versions((date(2024, 5, 1), 20.0, "s1"), (date(2026, 5, 1), 30.0, "s3")))
    progress = make_progress(rows=[{"member_id": M, "target_id": "T1", "year": year, "value": 15.0}]).lazy()
    empty = pl.LazyFrame(schema=TABLES["core.member_indicators"])

    out = compute_target_progress(history.lazy(), progress, empty).collect()

    # one row per version measured against, and one for the current version: the progress is on the first
    measured = out.filter(pl.col("latest_year").is_not_null())
    assert measured.select("target_value", "latest_year").rows() == [(expected_target, year)]


def test_a_target_first_submitted_after_the_year_it_reports_uses_its_first_version() -> None:
    history = _core_targets(_versions((date(2026, 5, 1), 20.0, "s1"), (date(2027, 5, 1), 30.0, "s2")))
    progress = make_progress(rows=[{"member_id": M, "target_id": "T1", "year": 2024, "value": 15.0}]).lazy()
    out = compute_target_progress(history.lazy(), progress, pl.LazyFrame(schema=TABLES["core.member_indicators"]))
    measured = out.collect().filter(pl.col("latest_year").is_not_null())  # the current version has a row of its own
    assert measured.get_column("target_value").to_list() == [20.0]


def test_public_progress_does_not_give_back_a_lone_confidential_members_progress() -> None:
    # The register publishes the two cities' progress (0.2, off track; 0.9, on track). Counted as protecting
    # contributors, they let the all-kinds row (3 members, 2 on track, median 0.6) give corp-c's 0.6 back.
    progress = pl.LazyFrame(
        {
            "member_id": ["city-a", "city-b", "corp-c"],
            "indicator": ["recovery_rate"] * 3,
            "latest_year": [2024] * 3,
            "progress_ratio": [0.2, 0.9, 0.6],
            "is_on_track": [False, True, True],
        }
    )
    members = pl.LazyFrame(
        {"member_id": ["city-a", "city-b", "corp-c"], "kind": ["municipality", "municipality", "company"]}
    )
    leaky = summarize_target_progress(progress, members).collect().filter(member_kind="all")
    assert leaky.select("n_on_track", "median_progress_ratio").row(0) == (2, 0.6)
    out = summarize_target_progress(progress, members, public_members=["city-a", "city-b"]).collect()
    rows = {row["member_kind"]: row for row in out.to_dicts()}
    assert (rows["all"]["n_on_track"], rows["all"]["median_progress_ratio"]) == (None, None)
    assert rows["company"]["suppression_reason"] == "few_contributors"
    # the cities' own row holds nothing confidential: it is published
    assert (rows["municipality"]["n_on_track"], rows["municipality"]["suppressed"]) == (1, False)
