"""The public register of targets (`mart.member_targets`), on examples worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas.tables import TABLES
from tests.factories import make_progress, make_targets
from transforms.member_targets import build_member_targets
from transforms.targets import compute_target_progress

CITY, COMPANY = "city-a", "corp-b"
SET_ON = date(2024, 5, 1)
NO_INDICATORS = pl.LazyFrame(schema=TABLES["core.member_indicators"])
MEMBERS = pl.LazyFrame(
    {
        "member_id": [CITY, COMPANY],
        "name": ["A市", "B株式会社"],
        "kind": ["municipality", "company"],
        "region": ["JP-40", "JP-13"],
        "joined_on": [date(2023, 4, 1), date(2023, 4, 1)],
    }
)
# As flows.stages.members.disclosure_frame gives them for dataset="progress".
CLASSES = pl.LazyFrame(
    {
        "member_id": [CITY, COMPANY],
        "kind": ["municipality", "company"],
        "disclosure_class": ["public", "confidential"],
        "is_public": [True, False],
    }
)

CITY_TARGET: dict[str, Any] = {
    "member_id": CITY,
    "target_id": "T1",
    "indicator": "recovery_rate",
    "material": None,
    "baseline_year": 2020,
    "baseline_value": 0.20,
    "target_year": 2030,
    "target_value": 0.40,
    "unit": "ratio",
    "actions_url": "https://city-a.example.lg.jp/actions",
}
COMPANY_TARGET: dict[str, Any] = {
    "member_id": COMPANY,
    "target_id": "P-1",
    "indicator": "final_disposal",
    "material": "plastics",
    "baseline_year": 2019,
    "baseline_value": 100.0,
    "target_year": 2030,
    "target_value": 60.0,
    "unit": "t",
    "published_url": "https://corp-b.example.com/target",
    "actions_url": "https://corp-b.example.com/actions",
}


def core_targets(*rows: dict[str, Any]) -> pl.DataFrame:
    """`core.targets` rows, each in force from its `valid_from` (default SET_ON)."""
    frames = [
        make_targets(
            rows=[{key: value for key, value in row.items() if key != "valid_from"}], lineage=True
        ).with_columns(pl.lit(row.get("valid_from", SET_ON), dtype=pl.Date).alias("valid_from"))
        for row in rows
    ]
    undated = pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("valid_from_at")  # in force from its day's start
    return pl.concat(frames).with_columns(undated).select(list(TABLES["core.targets"]))


def register(
    targets: pl.DataFrame, progress: pl.DataFrame, classes: pl.LazyFrame = CLASSES, *, as_of_year: int = 2025
) -> pl.DataFrame:
    """The register from core rows, with core.target_progress computed as the publish stage computes it."""
    target_progress = compute_target_progress(targets.lazy(), progress.lazy(), NO_INDICATORS, as_of_year=as_of_year)
    return build_member_targets(targets.lazy(), target_progress, MEMBERS, classes).collect()


def test_public_progress_is_listed_and_confidential_progress_is_withheld() -> None:
    targets = core_targets(CITY_TARGET, COMPANY_TARGET)
    progress = make_progress(
        rows=[
            {"member_id": CITY, "target_id": "T1", "year": 2023, "value": 0.25},
            {"member_id": CITY, "target_id": "T1", "year": 2024, "value": 0.30},
            {"member_id": COMPANY, "target_id": "P-1", "year": 2024, "value": 90.0},
        ]
    )

    out = register(targets, progress)

    # City, latest 2024 at 0.30: (0.30 - 0.20) / (0.40 - 0.20) = 0.5 of the way; (2024 - 2020) / 10 = 0.4 of the
    # years gone, so on track. The company's 90 t would be (90 - 100) / (60 - 100) = 0.25: withheld.
    expected = pl.DataFrame(
        [
            {
                "member_id": CITY,
                "member_name": "A市",
                "member_kind": "municipality",
                "target_id": "T1",
                "indicator": "recovery_rate",
                "material": "all",
                "baseline_year": 2020,
                "baseline_value": 0.20,
                "target_year": 2030,
                "target_value": 0.40,
                "unit": "ratio",
                "published_url": "https://example.org/target",
                "actions_url": "https://city-a.example.lg.jp/actions",
                "roadmap_id": None,
                "valid_from": SET_ON,
                "is_progress_public": True,
                "latest_year": 2024,
                "latest_value": 0.30,
                "progress_ratio": 0.5,
                "expected_ratio": 0.4,
                "is_on_track": True,
                "suppressed": False,
                "suppression_reason": None,
            },
            {
                "member_id": COMPANY,
                "member_name": "B株式会社",
                "member_kind": "company",
                "target_id": "P-1",
                "indicator": "final_disposal",
                "material": "plastics",
                "baseline_year": 2019,
                "baseline_value": 100.0,
                "target_year": 2030,
                "target_value": 60.0,
                "unit": "t",
                "published_url": "https://corp-b.example.com/target",
                "actions_url": "https://corp-b.example.com/actions",
                "roadmap_id": None,
                "valid_from": SET_ON,
                "is_progress_public": False,
                "latest_year": None,
                "latest_value": None,
                "progress_ratio": None,
                "expected_ratio": None,
                "is_on_track": None,
                "suppressed": True,
                "suppression_reason": "confidential",
            },
        ],
        schema=TABLES["mart.member_targets"],
    )
    assert_frame_equal(out, expected, check_exact=False)


def test_a_confidential_member_that_reported_nothing_looks_like_one_that_did() -> None:
    # Whether a confidential member reported is itself its progress: both rows read the same.
    targets = core_targets(COMPANY_TARGET, {**COMPANY_TARGET, "target_id": "P-2"})
    progress = make_progress(rows=[{"member_id": COMPANY, "target_id": "P-1", "year": 2024, "value": 90.0}])
    out = register(targets, progress)
    shown = ["is_progress_public", "latest_year", "latest_value", "suppressed", "suppression_reason"]
    assert out.select(shown).rows() == [(False, None, None, True, "confidential")] * 2


def test_a_public_member_without_progress_is_published_empty() -> None:
    out = register(core_targets(CITY_TARGET), make_progress(rows=[]).clear())
    assert out.select("is_progress_public", "latest_year", "suppressed", "suppression_reason").rows() == [
        (True, None, False, None)
    ]


@pytest.mark.parametrize(
    "classes",
    [
        pl.LazyFrame({"member_id": [COMPANY], "is_public": [False]}),  # the city has no class: confidential
        pl.LazyFrame({"member_id": [CITY, CITY], "is_public": [True, False]}),  # two rows that disagree
        pl.LazyFrame(
            {"member_id": [CITY], "is_public": [None]}, schema={"member_id": pl.String, "is_public": pl.Boolean}
        ),
    ],
)
def test_progress_is_public_only_when_the_class_says_so(classes: pl.LazyFrame) -> None:
    progress = make_progress(rows=[{"member_id": CITY, "target_id": "T1", "year": 2024, "value": 0.30}])
    out = register(core_targets(CITY_TARGET), progress, classes)
    assert out.select("is_progress_public", "latest_value", "suppression_reason").rows() == [
        (False, None, "confidential")
    ]


def test_the_current_version_is_listed_with_progress_measured_against_it_only() -> None:
    # Version 1 (2024-05-01) aims at 0.40, version 2 (2025-05-01) at 0.50. Progress for 2024 is measured against
    # version 1, so the listed version 2 has none; once 2025 is reported it is measured against version 2:
    # (0.35 - 0.20) / (0.50 - 0.20) = 0.5.
    targets = core_targets(CITY_TARGET, {**CITY_TARGET, "target_value": 0.50, "valid_from": date(2025, 5, 1)})
    reported_2024 = make_progress(rows=[{"member_id": CITY, "target_id": "T1", "year": 2024, "value": 0.30}])
    out = register(targets, reported_2024)
    assert out.select("target_value", "valid_from", "latest_year", "progress_ratio").rows() == [
        (0.50, date(2025, 5, 1), None, None)
    ]
    reported_2025 = make_progress(rows=[{"member_id": CITY, "target_id": "T1", "year": 2025, "value": 0.35}])
    out = register(targets, pl.concat([reported_2024, reported_2025]))
    assert out.select("target_value", "latest_year", "progress_ratio").rows() == [(0.50, 2025, pytest.approx(0.5))]


def test_targets_of_members_outside_the_registry_are_not_listed() -> None:
    targets = core_targets(CITY_TARGET, {**CITY_TARGET, "member_id": "unknown-member"})
    out = register(targets, make_progress(rows=[]).clear())
    assert out.get_column("member_id").to_list() == [CITY]


def test_rows_kept_before_targets_had_actions_and_roadmaps_are_listed() -> None:
    targets = core_targets(CITY_TARGET).drop("actions_url", "roadmap_id")
    out = register(targets, make_progress(rows=[]).clear())
    assert out.select("target_id", "actions_url", "roadmap_id").rows() == [("T1", None, None)]
