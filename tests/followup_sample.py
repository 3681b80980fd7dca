"""A hand-made follow-up pack: three companies, a municipality and a university, as of 2026-03-31."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from infra.rendering.followup import FollowupPack
from schemas.tables import TABLES

AS_OF = date(2026, 3, 31)
MEMBER_NAMES = {
    "co-a": "株式会社エー",
    "co-b": "ビー工業",
    "co-c": "シー商事",
    "city-a": "エー市",
    "univ-a": "エー大学",
}


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = TABLES[table]
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row")


def sample_pack() -> FollowupPack:
    """Compliance cells (companies shown, the lone university and municipality withheld), two overdue members."""
    compliance = _frame(
        "mart.member_compliance",
        [
            {"fiscal_year": "FY2025", "as_of": AS_OF, "member_kind": "all", "obligation": "target_set",
             "n_members": 4, "n_met": 3, "n_due": 0, "n_overdue": 1, "share_met": 0.75, "share_overdue": 0.25,
             "suppressed": False},
            {"fiscal_year": "FY2025", "as_of": AS_OF, "member_kind": "company", "obligation": "target_set",
             "n_members": 3, "n_met": 3, "n_due": 0, "n_overdue": 0, "share_met": 1.0, "share_overdue": 0.0,
             "suppressed": False},
            {"fiscal_year": "FY2025", "as_of": AS_OF, "member_kind": "municipality", "obligation": "target_set",
             "n_members": 1, "suppressed": True, "suppression_reason": "few_contributors"},
            {"fiscal_year": "FY2025", "as_of": AS_OF, "member_kind": "university", "obligation": "project_started",
             "n_members": 1, "suppressed": True, "suppression_reason": "few_contributors"},
            {"fiscal_year": "FY2024", "as_of": date(2025, 3, 31), "member_kind": "company",
             "obligation": "target_set", "n_members": 3, "n_met": 2, "n_due": 1, "n_overdue": 0, "share_met": 2 / 3,
             "share_overdue": 0.0, "suppressed": False},
        ],
    )  # fmt: skip
    obligations = _frame(
        "core.member_obligations",
        [
            {"as_of": AS_OF, "member_id": "city-a", "member_kind": "municipality", "obligation": "target_set",
             "due_rule": "joined_plus_months", "due_on": date(2024, 4, 1), "status": "overdue"},
            {"as_of": AS_OF, "member_id": "co-b", "member_kind": "company", "obligation": "follow_up",
             "due_rule": "last_follow_up_plus_interval", "due_on": date(2026, 2, 28), "met_on": date(2025, 2, 28),
             "status": "overdue", "evidence_submission_id": "s-9"},
            {"as_of": AS_OF, "member_id": "univ-a", "member_kind": "university", "obligation": "project_started",
             "due_rule": "joined_plus_months", "due_on": date(2024, 4, 1), "met_on": date(2024, 1, 5),
             "status": "met", "evidence_url": "https://univ-a.example/p1"},
        ],
    ).with_columns(pl.col("member_id").replace_strict(MEMBER_NAMES).alias("name"))  # fmt: skip
    target_progress = _frame(
        "core.target_progress",
        [
            {"member_id": "co-a", "target_id": "T1", "indicator": "recovery_rate", "baseline_year": 2020,
             "baseline_value": 0.5, "target_year": 2030, "target_value": 0.9, "unit": "ratio", "latest_year": 2025,
             "latest_value": 0.7, "progress_ratio": 0.5, "expected_ratio": 0.5, "is_on_track": True},
        ],
    ).with_columns(name=pl.lit("株式会社エー"))  # fmt: skip
    disclosures = _frame(
        "core.disclosures",
        [
            {"member_id": "univ-a", "project_id": "P1", "disclosed_on": date(2025, 9, 30),
             "url": "https://univ-a.example/p1/2025", "summary": "=HYPERLINK(\"http://evil\")",
             "indicator": "recovered", "value": 120.0, "unit": "t"},
        ],
    ).with_columns(title=pl.lit("地域プラスチック循環"), name=pl.lit("エー大学"))  # fmt: skip
    return FollowupPack(
        as_of=AS_OF,
        compliance=compliance,
        obligations=obligations,
        target_progress=target_progress,
        disclosures=disclosures,
    )
