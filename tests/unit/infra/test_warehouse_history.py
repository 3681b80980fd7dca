"""Core and draft tables keep their newest snapshots only; public tables keep their history (releases trim it)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from infra.warehouse import Warehouse
from schemas.tables import TABLES
from tests.factories import make_flows

TRIM_ABOVE, KEEP = 6, 2


@pytest.fixture(autouse=True)
def _short_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("infra.warehouse.history.TRIM_ABOVE", TRIM_ABOVE)
    monkeypatch.setattr("infra.warehouse.history.KEEP", KEEP)


def _flows(quantity: float) -> pl.DataFrame:
    rows = [{"material": "paper", "quantity": quantity, "quantity_t": quantity}]
    return make_flows(rows, lineage=True, period="FY2024")


def test_a_core_table_keeps_its_newest_snapshots_and_its_rows(warehouse: Warehouse) -> None:
    counts = []
    for quantity in range(1, 8):  # two snapshots a replace (delete, append) after the first
        warehouse.replace("core.flows", _flows(float(quantity)), match={"period": ["FY2024"]})
        counts.append(len(warehouse.table("core.flows").metadata.snapshots))

    assert counts == [1, 3, 5, KEEP, 4, 6, KEEP]  # past TRIM_ABOVE: trimmed to the newest KEEP
    assert max(counts) <= TRIM_ABOVE
    assert_frame_equal(warehouse.read("core.flows"), _flows(7.0).sort(list(TABLES["core.flows"]), nulls_last=True))


def test_a_tagged_snapshot_outlives_the_trim(warehouse: Warehouse) -> None:
    warehouse.replace("core.flows", _flows(1.0), match={"period": ["FY2024"]})
    table = warehouse.table("core.flows")
    first = table.current_snapshot()
    assert first is not None
    with table.manage_snapshots() as manage:
        manage.create_tag(first.snapshot_id, "kept")
    for quantity in range(2, 9):
        warehouse.replace("core.flows", _flows(float(quantity)), match={"period": ["FY2024"]})

    assert len(warehouse.table("core.flows").metadata.snapshots) <= TRIM_ABOVE + 1
    kept = warehouse.read("core.flows", tag="kept")
    assert kept.get_column("quantity_t").to_list() == [1.0]


def _indicators(recovery_rate: float) -> pl.DataFrame:
    schema = TABLES["mart.indicators"]
    row = dict.fromkeys(schema) | {
        "period": "FY2024",
        "period_start": date(2024, 4, 1),
        "period_end": date(2025, 3, 31),
    }
    row |= {"grain": "fiscal_year", "region": "JP", "region_level": "all", "contributors": 3}
    row |= {"material": "all", "material_level": "all", "recovery_rate": recovery_rate}
    return pl.DataFrame([row], schema=schema)


@pytest.mark.parametrize(("table", "kept"), [("mart.indicators", 13), ("draft.indicators", KEEP)])
def test_a_public_table_keeps_every_snapshot_and_its_draft_does_not(
    warehouse: Warehouse, table: str, kept: int
) -> None:
    for step in range(1, 8):  # as in the core table's test: trimmed at the 7th
        warehouse.replace(table, _indicators(step / 10), match={"period": ["FY2024"]})

    assert len(warehouse.table(table).metadata.snapshots) == kept  # a release expires the public one's, with tags
