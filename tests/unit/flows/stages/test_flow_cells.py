"""What the marts read from core.flows: exact per-cell sums, the same whatever order rows were written in."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from flows.stages.publish import flow_cells
from infra.resources import build_resources
from infra.settings import Settings
from tests.factories import make_flows

# Float addition is not associative: (0.1 + 0.2) + 0.3 = 0.6000000000000001, 0.1 + (0.2 + 0.3) = 0.6.
QUANTITIES = [0.1, 0.2, 0.3, 7.0]


def cells_after_writing(home: Path, order: list[int]) -> pl.DataFrame:
    """Write the rows one commit each in `order` (so the table's files hold them so), then sum the cells."""
    resources = build_resources(Settings(home=home))
    try:
        rows = make_flows(
            [
                {"quantity": q, "quantity_t": q, "source": f"p{i}", "material": "metals" if q == 7.0 else "paper"}
                for i, q in enumerate(QUANTITIES)
            ],
            lineage=True,
        )
        for count in range(1, len(order) + 1):
            written = pl.concat([rows.slice(index, 1) for index in order[:count]])
            resources.warehouse.replace("core.flows", written, match={"period": ["FY2024"]})
        return flow_cells(resources, "FY2024")
    finally:
        resources.close()


def test_cells_sum_a_members_rows_exactly_whatever_the_order(tmp_path: Path) -> None:
    forward = cells_after_writing(tmp_path / "a", [0, 1, 2, 3])
    backward = cells_after_writing(tmp_path / "b", [3, 2, 1, 0])

    assert forward.select("material", "quantity_t").rows() == [("metals", 7.0), ("paper", 0.6)]
    assert_frame_equal(forward, backward)


def test_no_rows_is_an_empty_frame_of_the_cell_shape(tmp_path: Path) -> None:
    resources = build_resources(Settings(home=tmp_path))
    try:
        cells = flow_cells(resources, "FY2024")
    finally:
        resources.close()

    assert cells.is_empty()
    assert cells.columns[-1] == "quantity_t"
    assert cells.schema["quantity_t"] == pl.Float64()
