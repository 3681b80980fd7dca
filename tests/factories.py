"""Frames valid by construction; a bad input is built by overriding one thing."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from schemas import DISCLOSURES, FLOWS, PLANS, PROGRESS, PROJECTS, TARGETS
from schemas.contract import Contract
from schemas.tables import LINEAGE

MEMBER_ID = "city-kitakyushu"

_FLOW = {
    "member_id": MEMBER_ID,
    "period": "FY2024",
    "material": "plastics.pet",
    "source_stage": "use",
    "target_stage": "collection",
    "source": "use",
    "target": "collection",
    "quantity": 100.0,
    "unit": "t",
    "region": "JP-40",
    "quality": "measured",
    "note": None,
    "period_start": date(2024, 4, 1),
    "period_end": date(2025, 3, 31),
    "grain": "fiscal_year",
    "material_group": "plastics",
    "quantity_t": 100.0,
}
_TARGET = {
    "member_id": MEMBER_ID,
    "target_id": "T1",
    "indicator": "input_cyclical_use_rate",
    "material": None,
    "baseline_year": 2020,
    "baseline_value": 0.1,
    "target_year": 2030,
    "target_value": 0.2,
    "unit": "ratio",
    "published_url": "https://example.org/target",
    "description": "入口側循環利用率を2030年までに20%へ",
}
_PROGRESS = {"member_id": MEMBER_ID, "target_id": "T1", "year": 2024, "value": 0.14, "note": None}
UNIVERSITY_ID = "univ-tohoku"
_PROJECT = {
    "member_id": UNIVERSITY_ID,
    "project_id": "P1",
    "title": "プラスチック資源循環の地域モデル",
    "role": "lead",
    "started_on": date(2024, 10, 1),
    "ended_on": None,
    "partners": "city-sendai",
    "theme": "regional_model",
    "materials": "plastics",
    "url": "https://example.ac.jp/p1",
    "follow_up_months": 12,
    "description": "回収から再生までの地域実証",
}
_DISCLOSURE = {
    "member_id": UNIVERSITY_ID,
    "project_id": "P1",
    "disclosed_on": date(2025, 6, 30),
    "url": "https://example.ac.jp/p1/results-2025",
    "summary": "回収量 120 t",
    "indicator": "recovered",
    "value": 120.0,
    "unit": "t",
}
_PLAN = {
    "member_id": MEMBER_ID,
    "plan_name": "第3次環境基本計画",
    "revised_on": date(2025, 3, 31),
    "includes_ce_target": True,
    "target_ids": "T1",
    "next_revision_on": date(2030, 3, 31),
    "url": "https://www.city.example.lg.jp/plan3.html",
}


def _frame(
    contract: Contract,
    base: dict[str, Any],
    rows: list[dict[str, Any]] | None,
    overrides: dict[str, Any],
    *,
    lineage: bool,
) -> pl.DataFrame:
    records = [{**base, **row, **overrides} for row in (rows or [{}])]
    schema = dict(contract.schema)
    if lineage:
        schema.update(LINEAGE)
        for index, record in enumerate(records):
            record.setdefault("submission_id", "sub-1")
            record.setdefault("source_row", index + 2)
    return pl.DataFrame(records, schema=schema)


def make_flows(rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any) -> pl.DataFrame:
    """Normalised flows rows (the `core.flows` shape); each dict in rows overrides the defaults."""
    return _frame(FLOWS, _FLOW, rows, overrides, lineage=lineage)


def make_targets(rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any) -> pl.DataFrame:
    """Normalised targets rows."""
    return _frame(TARGETS, _TARGET, rows, overrides, lineage=lineage)


def make_progress(rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any) -> pl.DataFrame:
    """Normalised progress rows."""
    return _frame(PROGRESS, _PROGRESS, rows, overrides, lineage=lineage)


def make_projects(rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any) -> pl.DataFrame:
    """Normalised projects rows (a university's)."""
    return _frame(PROJECTS, _PROJECT, rows, overrides, lineage=lineage)


def make_disclosures(
    rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any
) -> pl.DataFrame:
    """Normalised disclosures rows (of the university's project P1)."""
    return _frame(DISCLOSURES, _DISCLOSURE, rows, overrides, lineage=lineage)


def make_plans(rows: list[dict[str, Any]] | None = None, *, lineage: bool = False, **overrides: Any) -> pl.DataFrame:
    """Normalised plans rows (a municipality's)."""
    return _frame(PLANS, _PLAN, rows, overrides, lineage=lineage)


def make_raw(contract: Contract, rows: list[dict[str, str | None]]) -> pl.DataFrame:
    """A frame as a reader returns it: every submitted column as text, plus source_row."""
    frame = pl.DataFrame(rows, schema=dict(contract.read_schema))
    return frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
