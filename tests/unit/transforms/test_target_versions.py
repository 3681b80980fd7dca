"""Target versions by the moment they arrived, and progress measured against the version in force when reported.

Issue 26's case, worked by hand: T1 was `waste_generated` 1000 → 800 t (baseline 2020, target 2030), with progress
900 t (2025) and 880 t (2026) reported under it; the member re-submitted it the same day as `recovery_rate`
50 → 80 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from schemas.tables import TABLES
from tests.factories import make_progress, make_targets
from transforms.target_versions import current_targets, merge_target_versions
from transforms.targets import compute_target_progress, summarize_target_progress

M = "corp-x"
DAY = date(2026, 12, 7)
WASTE = {"indicator": "waste_generated", "baseline_value": 1000.0, "target_value": 800.0, "unit": "t"}
RECOVERY = {"indicator": "recovery_rate", "baseline_value": 50.0, "target_value": 80.0, "unit": "%"}
NO_INDICATORS = pl.LazyFrame(schema=TABLES["core.member_indicators"])


def at(hour: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def version(definition: dict[str, Any], moment: datetime, submission_id: str) -> pl.DataFrame:
    """One `core.targets` row of T1 as the file that arrived at `moment` set it."""
    row = {"member_id": M, "target_id": "T1", "baseline_year": 2020, "target_year": 2030, **definition}
    return (
        make_targets(rows=[row], lineage=True)
        .with_columns(
            pl.lit(moment.date()).alias("valid_from"),
            pl.lit(moment, dtype=pl.Datetime("us", "UTC")).alias("valid_from_at"),
            pl.lit(submission_id).alias("submission_id"),
        )
        .select(list(TABLES["core.targets"]))
    )


def progress(*rows: tuple[int, float, datetime]) -> pl.LazyFrame:
    """core.progress rows of T1 with `reported_at`, when each row's file arrived (as the publish stage adds it)."""
    frame = make_progress(
        rows=[{"member_id": M, "target_id": "T1", "year": year, "value": value} for year, value, _ in rows]
    )
    return frame.with_columns(
        pl.Series("reported_at", [moment for _, _, moment in rows], dtype=pl.Datetime("us", "UTC"))
    ).lazy()


def history(*versions: pl.DataFrame) -> pl.DataFrame:
    """The versions merged as recording merges them, one file after the other."""
    merged = pl.DataFrame(schema=TABLES["core.targets"])
    for one in versions:
        merged = merge_target_versions(merged, one)
    return merged


def test_two_versions_sent_the_same_day_are_both_kept() -> None:
    merged = history(version(WASTE, at(9), "s1"), version(RECOVERY, at(11), "s3"))

    assert merged.select("indicator", "unit", "valid_from", "valid_from_at").rows() == [
        ("waste_generated", "t", DAY, at(9)),
        ("recovery_rate", "%", DAY, at(11)),
    ]
    assert current_targets(merged.lazy()).collect().get_column("indicator").to_list() == ["recovery_rate"]
    # recorded again (a re-run of the batch), nothing changes
    assert merge_target_versions(merged, version(RECOVERY, at(11), "s3")).equals(merged)


def test_a_changed_indicator_leaves_earlier_progress_measured_against_its_own_version() -> None:
    merged = history(version(WASTE, at(9), "s1"), version(RECOVERY, at(11), "s3"))
    reported = progress((2025, 900.0, at(10)), (2026, 880.0, at(10)))

    out = compute_target_progress(merged.lazy(), reported, NO_INDICATORS).collect()

    shown = ["indicator", "unit", "valid_from_at", "is_current_version", "latest_year", "latest_value"]
    shown += ["latest_reported_at", "progress_ratio", "expected_ratio", "is_on_track", "n_progress_not_comparable"]
    assert out.select(shown).rows() == [
        # 880 t against 1000 → 800 t: (880 - 1000) / (800 - 1000) = 0.6; (2026 - 2020) / 10 = 0.6: on track
        ("waste_generated", "t", at(9), False, 2026, 880.0, at(10), pytest.approx(0.6), pytest.approx(0.6), True, 0),
        # the current target in % has no progress yet; the two rows in t cannot be compared with it
        ("recovery_rate", "%", at(11), True, None, None, None, None, None, None, 2),
    ]


def test_progress_reported_after_the_change_is_measured_against_the_new_version() -> None:
    merged = history(version(WASTE, at(9), "s1"), version(RECOVERY, at(11), "s3"))
    reported = progress((2025, 900.0, at(10)), (2026, 62.0, at(12)))  # 2026 sent again, in %, after the change

    out = compute_target_progress(merged.lazy(), reported, NO_INDICATORS).collect()

    current = out.filter("is_current_version")
    # (62 - 50) / (80 - 50) = 0.4 < 0.6 expected: behind
    assert current.select("latest_year", "latest_value", "progress_ratio", "is_on_track").row(0) == (
        2026,
        62.0,
        pytest.approx(0.4),
        False,
    )
    assert current.get_column("n_progress_not_comparable").to_list() == [1]  # 2025's 900 t
    earlier = out.filter(~pl.col("is_current_version"))
    assert earlier.select("indicator", "latest_year", "latest_value").rows() == [("waste_generated", 2025, 900.0)]


def test_a_stricter_target_value_keeps_progress_comparable() -> None:
    stricter = {**WASTE, "target_value": 750.0}
    merged = history(version(WASTE, at(9), "s1"), version(stricter, at(11), "s3"))

    out = compute_target_progress(merged.lazy(), progress((2026, 880.0, at(10))), NO_INDICATORS).collect()

    assert out.select("target_value", "is_current_version", "latest_value", "n_progress_not_comparable").rows() == [
        (800.0, False, 880.0, 0),
        (750.0, True, None, 0),
    ]


def test_the_public_summary_counts_each_target_once_by_its_current_version() -> None:
    merged = history(version(WASTE, at(9), "s1"), version(RECOVERY, at(11), "s3"))
    out = compute_target_progress(merged.lazy(), progress((2026, 880.0, at(10))), NO_INDICATORS)
    members = pl.LazyFrame({"member_id": [M], "kind": ["company"]})

    summary = summarize_target_progress(out, members, min_contributors=1).collect()

    assert summary.select("indicator", "member_kind", "n_targets", "n_with_progress").rows() == [
        ("recovery_rate", "all", 1, 0),
        ("recovery_rate", "company", 1, 0),
    ]
