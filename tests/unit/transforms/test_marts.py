"""The public flow table, summed over members and process names."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from schemas.tables import TABLES, unsuppressed
from tests.factories import make_flows
from tests.unit.transforms.test_indicators import A, B, example_flows
from transforms.marts import summarize_flows


def test_summarize_flows_sums_members_and_process_names() -> None:
    flows = make_flows(
        rows=[
            {"member_id": A, "source": "Office", "quantity_t": 60.0},
            {"member_id": A, "source": "Shop", "quantity_t": 30.0},
            {"member_id": B, "quantity_t": 40.0},
            {"member_id": B, "region": "JP-13", "quantity_t": 5.0},
            {"member_id": B, "material": "plastics.pe", "quantity_t": 0.0},
            # a transfer: same region, its own cell by origin and destination
            {"member_id": B, "origin_region": "JP-40", "destination_region": "JP-41", "quantity_t": 7.0},
        ],
        lineage=True,
    ).lazy()
    schema = unsuppressed(TABLES["mart.flows"])
    period = ("FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year")
    expected = pl.DataFrame(
        [
            # PE: B's 0 t is a real report and stays
            (*period, "plastics.pe", "plastics", "use", "collection", "JP-40", "JP-40", "JP-40", 0.0, 1),
            # PET JP-13: B's 5 t
            (*period, "plastics.pet", "plastics", "use", "collection", "JP-13", "JP-13", "JP-13", 5.0, 1),
            # PET JP-40: A 60 + 30 (two process names) + B 40 = 130, two members
            (*period, "plastics.pet", "plastics", "use", "collection", "JP-40", "JP-40", "JP-40", 130.0, 2),
            # B's 7 t sent from Fukuoka to Saga
            (*period, "plastics.pet", "plastics", "use", "collection", "JP-40", "JP-40", "JP-41", 7.0, 1),
        ],
        schema=schema,
        orient="row",
    )
    assert_frame_equal(summarize_flows(flows).collect(), expected)


def test_summarize_example_keeps_every_stage_pair() -> None:
    result = summarize_flows(example_flows()).collect()
    assert result.schema == unsuppressed(TABLES["mart.flows"])
    # the 15 example flows have 15 distinct (material, stages, region) keys, the same-stage #12 included
    assert result.height == 15
    assert result.filter(source_stage="recycling", target_stage="recycling").select("quantity_t").item() == 5.0
    assert result["quantity_t"].sum() == 100 + 25 + 80 + 30 + 20 + 30 + 50 + 40 + 40 + 60 + 10 + 5 + 0 + 12 + 40
