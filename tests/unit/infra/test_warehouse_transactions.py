"""The warehouse's transaction: pyiceberg's, its table metadata worked out once per staged state."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from polars.testing import assert_frame_equal
from pyiceberg.expressions import EqualTo
from pyiceberg.table import Table, Transaction

from infra.warehouse import Warehouse
from infra.warehouse.transactions import CachedTransaction
from tests.factories import make_flows

SUMMARY_KEYS = ("added-records", "deleted-records", "total-records", "added-data-files", "deleted-data-files")


def _rows(table: Table, quantities: list[float]) -> pa.Table:
    materials = ["plastics.pet", "paper", "metals"]
    frame = make_flows(
        [{"material": materials[i], "quantity": q, "quantity_t": q} for i, q in enumerate(quantities)],
        lineage=True,
        period="FY2024",
    )
    return frame.select(table.schema().column_names).to_arrow().cast(table.schema().as_arrow())


def test_each_staged_update_is_seen_and_each_state_computed_once(warehouse: Warehouse) -> None:
    table = warehouse.table("core.flows")
    transaction = CachedTransaction(table)

    before = transaction.table_metadata
    assert transaction.table_metadata is before  # read again: the same state, not a new deep copy
    transaction.append(_rows(table, [1.0, 2.0]))
    after = transaction.table_metadata
    assert after is not before
    assert before.current_snapshot_id is None
    assert after.current_snapshot_id is not None  # the staged append is what the next step sees
    transaction.commit_transaction()

    assert warehouse.read("core.flows")["quantity_t"].sort().to_list() == [1.0, 2.0]


def test_a_delete_and_append_commits_what_pyiceberg_s_own_transaction_commits(warehouse: Warehouse) -> None:
    table = warehouse.table("core.flows")
    table.append(_rows(table, [1.0, 2.0, 3.0]))
    summaries = []
    for kind, quantities in ((Transaction, [4.0, 5.0, 6.0]), (CachedTransaction, [7.0, 8.0, 9.0])):
        table = table.refresh()
        with kind(table) as transaction:
            transaction.delete(delete_filter=EqualTo("period", "FY2024"))
            transaction.append(_rows(table, quantities))
        table = table.refresh()
        snapshot = table.current_snapshot()
        assert snapshot is not None
        assert snapshot.summary is not None
        parent = table.snapshot_by_id(snapshot.parent_snapshot_id or -1)
        assert parent is not None
        assert parent.summary is not None
        summaries.append([{key: one.summary[key] for key in SUMMARY_KEYS} for one in (parent, snapshot)])

    assert summaries[1] == summaries[0]  # the same delete snapshot, then the same append snapshot
    assert (summaries[1][0]["deleted-records"], summaries[1][1]["added-records"]) == ("3", "3")
    expected = pl.Series("quantity_t", [7.0, 8.0, 9.0])
    assert_frame_equal(warehouse.read("core.flows").select(pl.col("quantity_t").sort()), expected.to_frame())
