"""Subtotals are not data (issue 26): a workbook and a CSV as offices make them, through the batch path.

A 合計 row under its items, a group row equal to its materials, 紙類 小計 and Total in 備考 are set aside with a
message naming the row and column; 計量器 and 推計 in a note are ordinary text; rows read = accepted + set aside.
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
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

MEMBER = "city-a"
HEADER = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位", "備考"]


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(Member(MEMBER, "Ａ市", "municipality", "JP-40", date(2023, 4, 1)))
    yield built
    built.close()


def row(material: str, source: str, target: str, quantity: object, note: str | None = None) -> list[object]:
    return [MEMBER, "令和6年度", material, source, target, quantity, "トン", note]


def submit(resources: Resources, path: Path) -> SubmissionOutcome:
    key = keys.inbox_key(MEMBER, "flows", path.name)
    resources.storage.put_file(key, path)
    [outcome] = validate_submissions(resources, register_keys(resources, [key], RunSummary()))
    return outcome


def report_of(resources: Resources, outcome: SubmissionOutcome) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    return payload


def accepted(resources: Resources) -> list[tuple[str, str, float]]:
    core = resources.warehouse.read("core.flows", where={"member_id": [MEMBER]})
    return sorted(core.select("material", "target_stage", "quantity_t").rows())


def test_a_workbook_with_a_total_row_and_a_group_subtotal_counts_only_its_items(
    resources: Resources, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "R6実績"
    sheet.append(HEADER)
    for values in (
        row("mixed.municipal", "use", "collection", 100),  # row 2
        row("paper", "use", "collection", 50),  # row 3
        row("mixed", "use", "collection", 150, "合計"),  # row 4: the total of rows 2 and 3
        row("paper.cardboard", "collection", "recycling", 30),  # row 5
        row("paper.newspaper", "collection", "recycling", 20),  # row 6
        row("paper", "collection", "recycling", 50),  # row 7: its group's subtotal, with no word to say so
        row("glass", "use", "collection", 12, "計量器で測定"),  # row 8: a weighing machine, not a total
    ):
        sheet.append(values)
    sheet.merge_cells("H4:I4")  # the clerk widened the 合計 note over the next cell
    path = tmp_path / "令和6年度_実績報告.xlsx"
    book.save(path)

    outcome = submit(resources, path)

    payload = report_of(resources, outcome)
    assert payload["summary"] == {"n_read": 7, "n_accepted": 5, "n_quarantined": 2, "n_warnings": 0}
    errors = {error["row"]: error for error in payload["errors"]}
    assert sorted(errors) == [4, 7]
    assert (errors[4]["sheet"], errors[4]["column"], errors[4]["value"]) == ("R6実績", "note", "合計")
    assert errors[4]["check_id"] == "flows.subtotal"
    assert errors[4]["message_en"].startswith(
        "row 4 is a subtotal or total, not data: its column note (備考) says '合計'"
    )
    assert errors[4]["message_ja"].startswith(
        "4行目は小計・合計の行で、データではありません（備考（note）列が「合計」）"
    )
    assert (errors[7]["column"], errors[7]["value"]) == ("quantity", "50")
    assert errors[7]["message_en"].startswith(
        "row 7 is a subtotal, not data: columns material and quantity give paper 50 t, the sum of its materials in "
        "rows 5, 6 of the same flow (collection → recycling, FY2024, JP-40)"
    )
    assert "5・6 行目の内訳素材の合計と同じです" in errors[7]["message_ja"]
    assert accepted(resources) == [
        ("glass", "collection", 12.0),
        ("mixed.municipal", "collection", 100.0),
        ("paper", "collection", 50.0),
        ("paper.cardboard", "recycling", 30.0),
        ("paper.newspaper", "recycling", 20.0),
    ]


def test_a_clerks_csv_with_labels_in_its_notes_sets_aside_only_the_labelled_rows(
    resources: Resources, tmp_path: Path
) -> None:
    lines = [
        ",".join(HEADER),
        "city-a,令和6年度,paper.cardboard,use,collection,30,t,",
        "city-a,令和6年度,paper.newspaper,use,collection,20,t,",
        "city-a,令和6年度,paper,use,collection,50,t,紙類　小計",
        "city-a,令和6年度,plastics.pet,use,collection,5,t,推計",
        "city-a,令和6年度,mixed,use,collection,55,t,Total",
    ]
    path = tmp_path / "実績（手入力）.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))

    outcome = submit(resources, path)

    payload = report_of(resources, outcome)
    assert payload["summary"] == {"n_read": 5, "n_accepted": 3, "n_quarantined": 2, "n_warnings": 0}
    assert [(error["row"], error["column"], error["value"]) for error in payload["errors"]] == [
        (4, "note", "紙類　小計"),
        (6, "note", "Total"),
    ]
    materials = [material for material, _, _ in accepted(resources)]
    assert materials == ["paper.cardboard", "paper.newspaper", "plastics.pet"]
    quarantine = resources.storage.get_bytes(keys.quarantine_key(MEMBER, "flows", outcome.submission_id))
    assert pl.read_parquet(quarantine).get_column("failed_checks").to_list() == [["flows.subtotal"]] * 2
