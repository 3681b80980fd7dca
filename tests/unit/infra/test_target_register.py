"""The period report's public register of targets (`mart.member_targets`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import polars as pl

from infra.rendering.period_report import build_period_report
from infra.rendering.target_register import register_kinds
from schemas.tables import TABLES
from tests.unit.infra.test_period_report import example_tables

_TARGET: dict[str, Any] = {
    "indicator": "recovery_rate",
    "material": "all",
    "baseline_year": 2020,
    "baseline_value": 0.2,
    "target_year": 2030,
    "target_value": 0.4,
    "unit": "ratio",
    "published_url": None,
    "roadmap_id": None,
    "valid_from": date(2024, 5, 1),
}
_WITHHELD = {
    "is_progress_public": False,
    "latest_year": None,
    "latest_value": None,
    "progress_ratio": None,
    "expected_ratio": None,
    "is_on_track": None,
    "suppressed": True,
    "suppression_reason": "confidential",
}


def member_targets(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """mart.member_targets rows; each dict overrides a recovery-rate target of 0.2 (2020) → 0.4 (2030)."""
    return pl.DataFrame([{**_TARGET, **row} for row in rows], schema=TABLES["mart.member_targets"])


REGISTER = member_targets(
    [
        {
            "member_id": "city-b",
            "member_name": "B市",
            "member_kind": "municipality",
            "target_id": "T1",
            "actions_url": "https://city-b.example.lg.jp/actions",
            "is_progress_public": True,
            "latest_year": 2024,
            "latest_value": 0.3,
            "progress_ratio": 0.5,
            "expected_ratio": 0.4,
            "is_on_track": True,
            "suppressed": False,
        },
        {
            "member_id": "corp-c",
            "member_name": "C株式会社",
            "member_kind": "company",
            "target_id": "P-1",
            "indicator": "final_disposal",
            "material": "plastics.pet",
            "baseline_year": 2019,
            "baseline_value": 1200.0,
            "target_value": 600.0,
            "unit": "t",
            "actions_url": "https://corp-c.example.com/ce",
            **_WITHHELD,
        },
        {
            "member_id": "city-a",
            "member_name": "A市",
            "member_kind": "municipality",
            "target_id": "T9",
            "material": "paper",
            "actions_url": None,
            "is_progress_public": True,
            "suppressed": False,
        },
    ]
)


def section(html: str) -> str:
    match = re.search(r'<section id="target-register".*?</section>', html, re.DOTALL)
    assert match, "no register section"
    return match.group(0)


def row(html: str, member_id: str) -> str:
    match = re.search(rf'<tr class="register-row" data-member="{member_id}".*?</tr>', html, re.DOTALL)
    assert match, f"no row for {member_id}"
    return match.group(0)


def report(member_targets: pl.DataFrame, language: str = "ja") -> str:
    tables = {**example_tables(), "mart.member_targets": member_targets}
    return build_period_report(period="FY2024", tables=tables, language=language)  # type: ignore[arg-type]


def test_register_lists_every_target_by_kind_then_member_name() -> None:
    html = section(report(REGISTER))
    assert "目標の公開登録" in html
    assert "Public register of targets" in html
    # Kinds in the vocabulary's order (company before municipality), members by name within a kind.
    assert re.findall(r'<details class="register-kind" data-kind="([^"]+)" open>', html) == ["company", "municipality"]
    assert re.findall(r'<tr class="register-row" data-member="([^"]+)"', html) == ["corp-c", "city-a", "city-b"]
    assert "企業（1 件）" in html
    assert "自治体（2 件）" in html
    assert 'data-targets="3" data-members="3" data-public-progress="2"' in html


def test_public_progress_is_shown_and_confidential_progress_says_not_disclosed() -> None:
    html = report(REGISTER)
    city = row(html, "city-b")
    assert "B市" in city
    assert "0.2（2020） → 0.4（2030） ratio" in city
    # Latest 0.3 in 2024: half of the way from 0.2 to 0.4, at or ahead of the plan.
    assert "0.3 ratio（2024） · 50.0% · " in city
    assert "計画どおり" in city
    assert 'href="https://city-b.example.lg.jp/actions" rel="noopener noreferrer nofollow"' in city
    company = row(html, "corp-c")
    assert "C株式会社" in company
    assert "1,200（2019） → 600（2030） t" in company
    assert "PET" in company
    assert '<td class="progress withheld"><span class="lang-ja" lang="ja">非公開</span>' in company
    assert 'href="https://corp-c.example.com/ce"' in company  # its target and actions stay public
    assert 'data-material="plastics.pet" data-material-group="plastics"' in company
    without = row(html, "city-a")
    assert "未報告" in without
    assert "<a " not in without  # no actions URL, no link


def test_a_withheld_row_never_shows_progress_whatever_its_columns_hold() -> None:
    leaky = REGISTER.with_columns(
        pl.when(pl.col("member_id") == "city-b").then(pl.lit(True)).otherwise(pl.col("suppressed")).alias("suppressed")
    )
    city = row(report(leaky), "city-b")
    assert "非公開" in city
    assert "0.3" not in city
    assert "50.0%" not in city


def test_kind_and_material_filters_degrade_to_every_row() -> None:
    html = section(report(REGISTER))
    # The filter bar is hidden until the page's script shows it; the <details> fold by kind without it.
    assert '<div id="register-filters" class="controls register-filters" hidden>' in html
    kinds = re.search(r'<select id="register-kind-select">.*?</select>', html, re.DOTALL)
    assert kinds
    assert re.findall(r'<option value="([^"]*)"', kinds.group(0)) == ["", "company", "municipality"]
    materials = re.search(r'<select id="register-material-select">.*?</select>', html, re.DOTALL)
    assert materials
    # Every material named and the group of each leaf, in vocabulary order.
    assert re.findall(r'<option value="([^"]*)"', materials.group(0)) == [
        "",
        "all",
        "plastics",
        "paper",
        "plastics.pet",
    ]
    assert html.count("<details") == 2
    assert " hidden" not in html.split("<details", 1)[1]  # no row or kind starts hidden


def test_register_shown_only_when_read_and_says_when_empty() -> None:
    html = build_period_report(period="FY2024", tables=example_tables())
    assert '<section id="target-register"' not in html
    assert '<tr class="register-row"' not in html
    empty = section(report(REGISTER.clear(), language="en"))
    assert "No targets have been registered yet." in empty
    assert 'id="register-filters"' not in empty


def test_unknown_codes_are_shown_as_given() -> None:
    kinds = register_kinds(member_targets([{**REGISTER.row(0, named=True), "member_kind": "guild", "material": "zz"}]))
    assert [(group.kind, group.label_ja) for group in kinds] == [("guild", "guild")]
    assert kinds[0].rows[0].material_ja == "zz"
