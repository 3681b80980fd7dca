"""Frames valid by construction; a bad input is built by overriding one thing."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from schemas import FLOWS, PROGRESS, TARGETS
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


def make_raw(contract: Contract, rows: list[dict[str, str | None]]) -> pl.DataFrame:
    """A frame as a reader returns it: every submitted column as text, plus source_row."""
    frame = pl.DataFrame(rows, schema=dict(contract.read_schema))
    return frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
