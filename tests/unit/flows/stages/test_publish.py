"""Publishing a period: the marts suppressed together, and what disclosure control hid, for operators and public."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.cli.common import information_loss_lines
from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.tables import TABLES

# Companies: confidential by default, so the planted leak needs protecting (a municipality's figures are public).
MEMBERS = ("corp-a", "corp-b", "corp-c", "corp-d", "corp-e")


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in MEMBERS:
        region = "JP-14" if member_id == "corp-e" else "JP-13"
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind="company", region=region, joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def test_the_planted_leak_is_closed_and_the_loss_reported(resources: Resources, tmp_path: Path) -> None:
    # Issue 12: four members in Tokyo, JP-13 (30 t each) and corp-e alone in Kanagawa, JP-14 (70 t), both in Kanto.
    uploaded = []
    for member_id in MEMBERS:
        region, tonnes = ("JP-14", 70) if member_id == "corp-e" else ("JP-13", 30)
        path = tmp_path / f"{member_id}.csv"
        path.write_text(
            "member_id,period,material,source_stage,target_stage,quantity,unit,region\n"
            f"{member_id},FY2024,paper.cardboard,import,production,{tonnes},t,{region}\n",
            encoding="utf-8",
        )
        key = keys.inbox_key(member_id, "flows", path.name)
        resources.storage.put_file(key, path)
        uploaded.append(key)
    validate_submissions(resources, register_keys(resources, uploaded, RunSummary()))

    published = publish_period(resources, "FY2024")  # the drafts: what releasing FY2024 now would publish

    flows = resources.warehouse.read("draft.flows", where={"period": ["FY2024"]})
    indicators = resources.warehouse.read("draft.indicators", where={"period": ["FY2024"]})
    national = indicators.filter(material_level="all", region_level="all")
    # The national total stays published; JP-13's flows cell, which gave JP-14 back by subtraction, does not.
    assert national.get_column("natural_resource_input_t").to_list() == [190.0]
    assert flows.sort("region").select("region", "quantity_t", "suppression_reason").rows() == [
        ("JP-13", None, "secondary"),
        ("JP-14", None, "few_contributors"),
    ]

    summary = resources.warehouse.read("draft.publication_summary", where={"period": ["FY2024"]})
    assert summary.schema == TABLES["mart.publication_summary"]  # counts only: no tonnes by reason in public
    flows_summary = summary.filter(table_name="mart.flows").sort("suppression_reason")
    assert flows_summary.select("suppression_reason", "n_cells").rows() == [("few_contributors", 1), ("secondary", 1)]

    loss = published.information_loss.filter(table_name="mart.flows").sort("suppression_reason")
    assert loss.select("suppression_reason", "n_cells", "quantity_t").rows() == [
        ("few_contributors", 1, 70.0),
        ("secondary", 1, 120.0),
    ]
    lines = information_loss_lines(published.information_loss.to_dicts())
    assert "  FY2024 mart.flows: 2 of 2 — few_contributors 1 (70 t), secondary 1 (120 t)" in lines
    # 12 indicator rows of 6 quantities: JP-14's natural-resource input at each material level (one company:
    # too few) and JP-13's (3, secondary). JP-14's other quantities are 0 t from everyone: nothing to protect.
    assert pl.Series(lines).str.contains("mart.indicators: 6 of 72").any()
