"""A target corrected the same day, through the batch path, on files as an office makes them (issue 26).

Corp X set T1 as waste generated 1000 → 800 t in a workbook, reported 900 t (2025) and 880 t (2026) in a CSV
typed on a Japanese Windows PC, then sent a corrected workbook the same day: recovery rate 50 → 80 %. Both versions
stay; the tonnes stay measured against the tonnes target, never against the percentage; the corrected file's
report names the two rows left without a comparable target.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary, SubmissionOutcome
from flows.stages.targets import target_frames
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

MEMBER = "corp-x"
TARGET_HEADER = ["会員ID", "目標ID", "指標", "基準年", "基準値", "目標年", "目標値", "単位", "説明"]


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(Member(MEMBER, "エックス株式会社", "company", "JP-13", date(2024, 4, 1)))
    yield built
    built.close()


def targets_workbook(path: Path, row: list[object]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "目標"
    sheet.append(TARGET_HEADER)
    sheet.append(row)
    sheet.column_dimensions["I"].width = 40
    book.save(path)
    return path


def progress_csv(path: Path) -> Path:
    """Progress as a clerk types it in Excel and saves as CSV: CP932, CRLF, Japanese headers, a note."""
    text = "会員ID,目標ID,年度,実績値,備考\r\ncorp-x,T1,2025,900,\r\ncorp-x,T1,2026,880,見込み\r\n"
    path.write_bytes(text.encode("cp932"))
    return path


def submit(resources: Resources, dataset: str, path: Path) -> SubmissionOutcome:
    key = keys.inbox_key(MEMBER, dataset, path.name)
    resources.storage.put_file(key, path)
    [outcome] = validate_submissions(resources, register_keys(resources, [key], RunSummary()))
    return outcome


def report_of(resources: Resources, outcome: SubmissionOutcome) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    return payload


def test_a_target_corrected_the_same_day_keeps_earlier_progress_in_its_own_unit(
    resources: Resources, tmp_path: Path
) -> None:
    waste = [MEMBER, "T1", "waste_generated", 2020, 1000, 2030, 800, "t", "廃棄物の発生量を削減"]
    first = submit(resources, "targets", targets_workbook(tmp_path / "目標設定.xlsx", waste))
    reported = submit(resources, "progress", progress_csv(tmp_path / "実績報告.csv"))
    recovery = [MEMBER, "T1", "recovery_rate", 2020, 50, 2030, 80, "%", "再資源化率に変更"]
    corrected = submit(resources, "targets", targets_workbook(tmp_path / "目標設定_修正版.xlsx", recovery))
    assert (first.status, reported.status, corrected.status) == ("valid", "valid", "valid")

    versions = resources.warehouse.read("core.targets").sort("valid_from_at")
    assert versions.select("indicator", "unit", "submission_id").rows() == [
        ("waste_generated", "t", first.submission_id),
        ("recovery_rate", "%", corrected.submission_id),
    ]
    assert versions.get_column("valid_from").n_unique() == 1  # the same day: two versions all the same

    progress = target_frames(resources, as_of=date.today())["core.target_progress"].sort("valid_from_at")
    shown = ["indicator", "unit", "is_current_version", "latest_year", "latest_value", "n_progress_not_comparable"]
    assert progress.select(shown).rows() == [
        ("waste_generated", "t", False, 2026, 880.0, 0),
        ("recovery_rate", "%", True, None, None, 2),
    ]
    # (880 - 1000) / (800 - 1000) = 0.6, measured in tonnes; the percentage target has nothing to compare
    assert progress.get_column("progress_ratio").to_list() == [pytest.approx(0.6), None]

    assert report_of(resources, first)["file_warnings"] == []
    [warning] = report_of(resources, corrected)["file_warnings"]
    assert warning["message_en"].startswith(
        "target T1 changed from waste_generated in t (all materials) to recovery_rate in % (all materials): "
        "2 progress rows reported before this file stay measured against the earlier version and have no "
        "comparable target now: 2025: 900, 2026: 880 (実績報告.csv, rows 2, 3). Report them again in %"
    )
    assert "実績2行（2025: 900, 2026: 880。実績報告.csv の 2・3 行目）は以前の版に対して評価" in warning["message_ja"]
    page = resources.storage.get_bytes(corrected.report_key).decode("utf-8")
    assert "比較できる目標がなくなりました" in page


def test_a_corrected_target_value_in_the_same_unit_warns_of_nothing(resources: Resources, tmp_path: Path) -> None:
    waste = [MEMBER, "T1", "waste_generated", 2020, 1000, 2030, 800, "t", None]
    submit(resources, "targets", targets_workbook(tmp_path / "目標設定.xlsx", waste))
    submit(resources, "progress", progress_csv(tmp_path / "実績報告.csv"))
    stricter = [MEMBER, "T1", "waste_generated", 2020, 1000, 2030, 750, "トン", None]
    corrected = submit(resources, "targets", targets_workbook(tmp_path / "目標設定_修正版.xlsx", stricter))

    assert report_of(resources, corrected)["file_warnings"] == []
    progress = target_frames(resources, as_of=date.today())["core.target_progress"]
    assert progress.filter(pl.col("is_current_version")).get_column("n_progress_not_comparable").to_list() == [0]
