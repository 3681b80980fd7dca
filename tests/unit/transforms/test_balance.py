"""Process balance (for the validator) and stage balance (mart), worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from schemas.tables import TABLES, unsuppressed
from tests.factories import make_flows
from tests.unit.transforms.test_indicators import A, B, example_flows
from transforms.balance import PROCESS_BALANCE_SCHEMA, compute_process_balance, compute_stage_balance


def _process_flows() -> pl.LazyFrame:
    keys = ("submission_id", "member_id", "source_stage", "source", "target_stage", "target", "quantity_t")
    rows = [
        ("sub-1", A, "use", "use", "collection", "Depot", 100.0),  # r1
        ("sub-1", A, "collection", "Depot", "recycling", "Mill", 60.0),  # r2
        ("sub-1", A, "collection", "Depot", "landfill", "landfill", 34.0),  # r3
        ("sub-1", A, "recycling", "Mill", "recycling", "Mill 2", 0.0),  # r4
        ("sub-1", A, "recycling", "Mill 2", "production", "production", 0.0),  # r5
        ("sub-2", B, "use", "use", "collection", "Depot", 10.0),  # r6: B's own Depot, kept apart from A's
    ]
    records = [dict(zip(keys, row, strict=True)) for row in rows]
    return make_flows(rows=records, lineage=True, material="paper", material_group="paper").lazy()


def test_process_balance_by_hand() -> None:
    result = compute_process_balance(_process_flows()).collect()
    schema = pl.Schema({"submission_id": pl.String(), **PROCESS_BALANCE_SCHEMA})
    # submission, member, stage, process, inflow, outflow, imbalance, ratio, has_both
    expected_rows = [
        # Depot: in 100 (r1), out 60+34=94 (r2, r3): 6 t, 6/100 = 6 % > 5 % tolerance
        ("sub-1", A, "collection", "Depot", 100.0, 94.0, 6.0, 6 / 100, True),
        # landfill: only inflow 34 (r3): ratio 34/34 = 1.0, has_both False
        ("sub-1", A, "landfill", "landfill", 34.0, 0.0, 34.0, 1.0, False),
        # production: only a 0 t inflow (r5): both sides 0 -> ratio null
        ("sub-1", A, "production", "production", 0.0, 0.0, 0.0, None, False),
        # Mill: in 60 (r2), out 0 (r4, reported as 0 t): has both sides, ratio 60/60
        ("sub-1", A, "recycling", "Mill", 60.0, 0.0, 60.0, 1.0, True),
        # Mill 2: in 0 (r4), out 0 (r5): both reported, ratio null (0/0)
        ("sub-1", A, "recycling", "Mill 2", 0.0, 0.0, 0.0, None, True),
        # use: out 100 (r1): -100, ratio 100/100
        ("sub-1", A, "use", "use", 0.0, 100.0, -100.0, 1.0, False),
        ("sub-2", B, "collection", "Depot", 10.0, 0.0, 10.0, 1.0, False),
        ("sub-2", B, "use", "use", 0.0, 10.0, -10.0, 1.0, False),
    ]
    expected = pl.DataFrame(
        [(s, m, "FY2024", "paper", *rest) for s, m, *rest in expected_rows], schema=schema, orient="row"
    )
    assert_frame_equal(result, expected)


def test_process_balance_without_submission_id() -> None:
    result = compute_process_balance(_process_flows().drop("submission_id")).collect()
    assert result.schema == PROCESS_BALANCE_SCHEMA
    # without the submission key, the same 8 processes (members still keep A's and B's Depot apart)
    assert result.height == 8
    assert result.filter(process="Depot").select("member_id", "inflow_t").rows() == [(A, 100.0), (B, 10.0)]


def test_stage_balance_by_hand() -> None:
    result = compute_stage_balance(example_flows()).collect()
    schema = unsuppressed(TABLES["mart.stage_balance"])
    assert result.schema == schema
    # material, region, stage, inflow, outflow, imbalance (= in - out); one member per material and region.
    # #12 (recycling -> recycling) is internal to a stage and left out.
    rows = [
        # cardboard JP-13: #14 use -> export 12
        ("paper.cardboard", "JP-13", "export", 12, 0, 12),
        ("paper.cardboard", "JP-13", "use", 0, 12, -12),
        # cardboard JP-40: #7 extraction -> production 50, #8 use -> collection 40, #9 collection -> recycling 40
        ("paper.cardboard", "JP-40", "collection", 40, 40, 0),
        ("paper.cardboard", "JP-40", "extraction", 0, 50, -50),
        ("paper.cardboard", "JP-40", "production", 50, 0, 50),
        ("paper.cardboard", "JP-40", "recycling", 40, 0, 40),
        ("paper.cardboard", "JP-40", "use", 0, 40, -40),
        # PE JP-40: #15 import -> production 40
        ("plastics.pe", "JP-40", "import", 0, 40, -40),
        ("plastics.pe", "JP-40", "production", 40, 0, 40),
        # PET JP-13: #10 import -> production 60, #11 use -> landfill 10, #13 use -> export 0
        ("plastics.pet", "JP-13", "export", 0, 0, 0),
        ("plastics.pet", "JP-13", "import", 0, 60, -60),
        ("plastics.pet", "JP-13", "landfill", 10, 0, 10),
        ("plastics.pet", "JP-13", "production", 60, 0, 60),
        ("plastics.pet", "JP-13", "use", 0, 10 + 0, -10),
        # PET JP-40: #1..#6
        ("plastics.pet", "JP-40", "collection", 80, 30 + 20 + 30, 0),  # in #3; out #4, #5, #6
        ("plastics.pet", "JP-40", "energy_recovery", 30, 0, 30),
        ("plastics.pet", "JP-40", "import", 0, 100, -100),
        ("plastics.pet", "JP-40", "landfill", 20, 0, 20),
        ("plastics.pet", "JP-40", "production", 100 + 25, 0, 125),  # #1 + #2
        ("plastics.pet", "JP-40", "recycling", 30, 25, 5),  # in #4, out #2
        ("plastics.pet", "JP-40", "use", 0, 80, -80),
    ]
    expected = pl.DataFrame(
        [
            ("FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year", m, m.split(".")[0], r, s, i, o, d, 1)
            for m, r, s, i, o, d in rows
        ],
        schema=schema,
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_stage_balance_counts_each_member_once() -> None:
    # A sends 60 + 30 t (two process names) and B 40 t from use to collection; collection sends 90 t on.
    flows = make_flows(
        rows=[
            {"member_id": A, "source": "Office", "quantity_t": 60.0},
            {"member_id": A, "source": "Shop", "quantity_t": 30.0},
            {"member_id": B, "quantity_t": 40.0},
            {"member_id": A, "source_stage": "collection", "target_stage": "recycling", "quantity_t": 90.0},
        ],
        lineage=True,
    ).lazy()
    result = compute_stage_balance(flows).collect()
    # collection: in 60+30+40 = 130, out 90, imbalance 40, members A and B
    # recycling: in 90 (A); use: out 130 (A and B)
    assert result.select("stage", "inflow_t", "outflow_t", "imbalance_t", "contributors").rows() == [
        ("collection", 130.0, 90.0, 40.0, 2),
        ("recycling", 90.0, 0.0, 90.0, 1),
        ("use", 0.0, 130.0, -130.0, 2),
    ]
