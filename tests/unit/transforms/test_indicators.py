"""Indicators on a two-member, two-material, two-region example worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas.tables import TABLES, unsuppressed
from tests.factories import make_flows
from transforms.indicators import compute_indicators, compute_member_indicators

A = "city-a"  # reports in JP-40
B = "company-b"  # reports in JP-13
PET, PE, CARDBOARD = "plastics.pet", "plastics.pe", "paper.cardboard"


def _flow(
    member: str,
    material: str,
    region: str,
    stages: tuple[str, str],
    quantity: float,
    *,
    processes: tuple[str, str] | None = None,
) -> dict[str, object]:
    source, target = stages
    process_source, process_target = processes or stages
    return {
        "member_id": member,
        "material": material,
        "material_group": material.split(".")[0],
        "region": region,
        "source_stage": source,
        "target_stage": target,
        "source": process_source,
        "target": process_target,
        "quantity": quantity,
        "quantity_t": quantity,
    }


def example_flows() -> pl.LazyFrame:
    """The shared example; flow numbers (#n) are used in the arithmetic comments of every test."""
    rows = [
        _flow(A, PET, "JP-40", ("import", "production"), 100.0),  # 1
        _flow(A, PET, "JP-40", ("recycling", "production"), 25.0),  # 2
        _flow(A, PET, "JP-40", ("use", "collection"), 80.0),  # 3
        _flow(A, PET, "JP-40", ("collection", "recycling"), 30.0),  # 4
        _flow(A, PET, "JP-40", ("collection", "landfill"), 20.0),  # 5
        _flow(A, PET, "JP-40", ("collection", "energy_recovery"), 30.0),  # 6
        _flow(A, CARDBOARD, "JP-40", ("extraction", "production"), 50.0),  # 7
        _flow(A, CARDBOARD, "JP-40", ("use", "collection"), 40.0),  # 8
        _flow(A, CARDBOARD, "JP-40", ("collection", "recycling"), 40.0),  # 9
        _flow(B, PET, "JP-13", ("import", "production"), 60.0),  # 10
        _flow(B, PET, "JP-13", ("use", "landfill"), 10.0),  # 11
        # 12: a transfer between two recyclers (same stage): not "recovered", no Sankey link
        _flow(B, PET, "JP-13", ("recycling", "recycling"), 5.0, processes=("Plant X", "Plant Y")),
        _flow(B, PET, "JP-13", ("use", "export"), 0.0),  # 13: a real zero report
        _flow(B, CARDBOARD, "JP-13", ("use", "export"), 12.0),  # 14: no indicator flow at all
        _flow(A, PE, "JP-40", ("import", "production"), 40.0),  # 15
    ]
    return make_flows(rows=rows, lineage=True).lazy()


# Per-flow components:
#   natural_resource_input (SOURCES -> ECONOMY): #1 100, #7 50, #10 60, #15 40
#   cyclical_use (CIRCULAR -> ECONOMY):          #2 25
#   waste_generated (ECONOMY -> END_OF_LIFE):    #3 80, #8 40, #11 10   (#13, #14 go to export)
#   recovered (non-CIRCULAR -> CIRCULAR):        #4 30, #9 40           (#12 starts in CIRCULAR)
#   energy_recovery:                             #6 30
#   final_disposal:                              #5 20, #11 10
N = None
# material, material_level, region, region_level, nri, cyc, waste, recovered, energy, disposal,
# input rate, output rate, recovery rate, disposal rate, contributors
PREFECTURE_AND_ALL = [
    # all materials, JP-13 = B #10-#14: nri 60, waste 10, disposal 10
    ("all", "all", "JP-13", "prefecture", 60, 0, 10, 0, 0, 10, 0 / 60, 0 / 10, 0 / 10, 10 / 10, 1),
    # all materials, JP-40 = A #1-#9, #15: nri 100+50+40=190, cyc 25, waste 80+40=120, rec 30+40=70
    ("all", "all", "JP-40", "prefecture", 190, 25, 120, 70, 30, 20, 25 / (25 + 190), 25 / 120, 70 / 120, 20 / 120, 1),
    # everything: nri 250, cyc 25, waste 130, rec 70, energy 30, disposal 20+10=30
    ("all", "all", "all", "all", 250, 25, 130, 70, 30, 30, 25 / (25 + 250), 25 / 130, 70 / 130, 30 / 130, 2),
    # paper JP-13 = #14 only: every sum 0.0 and every rate null (zero denominators)
    ("paper", "group", "JP-13", "prefecture", 0, 0, 0, 0, 0, 0, N, N, N, N, 1),
    # paper JP-40 = #7-#9: nri 50, waste 40, recovered 40
    ("paper", "group", "JP-40", "prefecture", 50, 0, 40, 40, 0, 0, 0 / 50, 0 / 40, 40 / 40, 0 / 40, 1),
    ("paper", "group", "all", "all", 50, 0, 40, 40, 0, 0, 0 / 50, 0 / 40, 40 / 40, 0 / 40, 2),
    ("paper.cardboard", "leaf", "JP-13", "prefecture", 0, 0, 0, 0, 0, 0, N, N, N, N, 1),
    ("paper.cardboard", "leaf", "JP-40", "prefecture", 50, 0, 40, 40, 0, 0, 0 / 50, 0 / 40, 40 / 40, 0 / 40, 1),
    ("paper.cardboard", "leaf", "all", "all", 50, 0, 40, 40, 0, 0, 0 / 50, 0 / 40, 40 / 40, 0 / 40, 2),
    # plastics JP-13 = #10-#13: nri 60, waste 10, disposal 10
    ("plastics", "group", "JP-13", "prefecture", 60, 0, 10, 0, 0, 10, 0 / 60, 0 / 10, 0 / 10, 10 / 10, 1),
    # plastics JP-40 = #1-#6 and #15: nri 100+40=140, cyc 25, waste 80, rec 30, energy 30, disposal 20
    (
        "plastics",
        "group",
        "JP-40",
        "prefecture",
        140,
        25,
        80,
        30,
        30,
        20,
        25 / (25 + 140),
        25 / 80,
        30 / 80,
        20 / 80,
        1,
    ),
    # plastics everywhere: nri 140+60=200, waste 80+10=90, disposal 20+10=30
    ("plastics", "group", "all", "all", 200, 25, 90, 30, 30, 30, 25 / (25 + 200), 25 / 90, 30 / 90, 30 / 90, 2),
    # PE = #15 only: input rate 0/(0+40)=0.0 but no waste, so the output-side rates are null
    ("plastics.pe", "leaf", "JP-40", "prefecture", 40, 0, 0, 0, 0, 0, 0 / 40, N, N, N, 1),
    ("plastics.pe", "leaf", "all", "all", 40, 0, 0, 0, 0, 0, 0 / 40, N, N, N, 1),
    ("plastics.pet", "leaf", "JP-13", "prefecture", 60, 0, 10, 0, 0, 10, 0 / 60, 0 / 10, 0 / 10, 10 / 10, 1),
    # PET JP-40 = #1-#6: nri 100, cyc 25, waste 80, rec 30, energy 30, disposal 20
    ("plastics.pet", "leaf", "JP-40", "prefecture", 100, 25, 80, 30, 30, 20, 25 / 125, 25 / 80, 30 / 80, 20 / 80, 1),
    # PET everywhere: nri 160, waste 90, disposal 30
    ("plastics.pet", "leaf", "all", "all", 160, 25, 90, 30, 30, 30, 25 / 185, 25 / 90, 30 / 90, 30 / 90, 2),
]
# At bloc level each bloc holds one of the two prefectures (JP-13 is in Kanto, JP-40 in Kyushu-Okinawa), so
# its rows repeat that prefecture's; test_a_bloc_sums_its_prefectures has a bloc of two.
BLOC_OF = {"JP-13": "JP-B-KANTO", "JP-40": "JP-B-KYUSHU"}
EXPECTED_MART = sorted(  # in the mart's order: material, material level, region, region level
    PREFECTURE_AND_ALL
    + [(*row[:2], BLOC_OF[row[2]], "bloc", *row[4:]) for row in PREFECTURE_AND_ALL if row[3] == "prefecture"],
    key=lambda row: (row[0], row[1], row[2], row[3]),
)


def _expected(rows: Sequence[tuple[object, ...]], *, schema: pl.Schema, member: str | None = None) -> pl.DataFrame:
    period = {
        "period": pl.lit("FY2024"),
        "period_start": pl.date(2024, 4, 1),
        "period_end": pl.date(2025, 3, 31),
        "grain": pl.lit("fiscal_year"),
    }
    names = [name for name in schema if name not in {"member_id", "period", "period_start", "period_end", "grain"}]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    frame = pl.DataFrame(records, schema={name: schema[name] for name in names}, orient="row")
    return frame.with_columns(**period, **({"member_id": pl.lit(member)} if member else {})).select(
        [pl.col(name).cast(dtype) for name, dtype in schema.items()]
    )


def test_indicators_by_hand() -> None:
    result = compute_indicators(example_flows()).collect()
    assert result.schema == unsuppressed(TABLES["mart.indicators"])
    assert_frame_equal(result, _expected(EXPECTED_MART, schema=unsuppressed(TABLES["mart.indicators"])))


def test_zero_denominator_is_null_not_nan() -> None:
    result = compute_indicators(example_flows()).filter(material="paper", region="JP-13").collect()
    rates = result.select("input_cyclical_use_rate", "output_cyclical_use_rate", "recovery_rate", "final_disposal_rate")
    assert rates.null_count().row(0) == (1, 1, 1, 1)
    assert not any(math.isnan(x) or math.isinf(x) for x in result.select(pl.selectors.float()).row(0) if x is not None)
    # sums over no matching flow are 0.0 because the scope has a flow (#14)
    assert result.select("natural_resource_input_t", "final_disposal_t").row(0) == (0.0, 0.0)


def test_indicators_by_member() -> None:
    schema = TABLES["core.member_indicators"]
    result = compute_member_indicators(example_flows()).collect()
    assert result.schema == schema
    # B (#10-#14): its rows equal the JP-13 rows of the mart, with Kanto and "all" regions equal to JP-13
    # (B reports nowhere else): 2 leaves + 2 groups + all, each at JP-13, Kanto and all = 15 rows
    b_rows = []
    for row in EXPECTED_MART:
        if row[2] == "JP-13":
            b_rows.append(row[:-1])
            b_rows.append((*row[:2], "JP-B-KANTO", "bloc", *row[4:-1]))
            b_rows.append((*row[:2], "all", "all", *row[4:-1]))
    b_rows.sort(key=lambda row: (row[0], row[1], row[2]))
    assert_frame_equal(result.filter(member_id=B), _expected(b_rows, schema=schema, member=B))
    # A: PET, PE, cardboard, plastics, paper, all at JP-40, Kyushu-Okinawa and all = 18 rows; its total is A's
    a_rows = result.filter(member_id=A)
    assert a_rows.height == 18
    assert a_rows.filter(material="all", region="all").select(
        "natural_resource_input_t", "waste_generated_t", "recovery_rate"
    ).row(0) == (190.0, 120.0, pytest.approx(70 / 120))


def test_a_bloc_sums_its_prefectures() -> None:
    # Tokyo (JP-13) 60 t and Kanagawa (JP-14) 40 t of imports, both in Kanto; Fukuoka (JP-40) 70 t in Kyushu
    rows = [
        _flow(B, PET, "JP-13", ("import", "production"), 60.0),
        _flow("company-c", PET, "JP-14", ("import", "production"), 40.0),
        _flow(A, PET, "JP-40", ("import", "production"), 70.0),
    ]
    table = compute_indicators(make_flows(rows=rows, lineage=True).lazy()).filter(material_level="all").collect()
    by_region = {
        (row["region_level"], row["region"]): (row["natural_resource_input_t"], row["contributors"])
        for row in table.to_dicts()
    }
    assert by_region == {
        ("prefecture", "JP-13"): (60.0, 1),
        ("prefecture", "JP-14"): (40.0, 1),
        ("prefecture", "JP-40"): (70.0, 1),
        ("bloc", "JP-B-KANTO"): (100.0, 2),
        ("bloc", "JP-B-KYUSHU"): (70.0, 1),
        ("all", "all"): (170.0, 3),
    }


def test_same_stage_transfer_is_not_counted_twice() -> None:
    # 10 t landfilled, then 4 t moved between two landfill sites: final disposal stays 10, not 14
    flows = make_flows(
        rows=[
            {"source_stage": "use", "target_stage": "landfill", "quantity_t": 10.0},
            {
                "source_stage": "landfill",
                "target_stage": "landfill",
                "source": "Site 1",
                "target": "Site 2",
                "quantity_t": 4.0,
            },
        ],
        lineage=True,
    ).lazy()
    total = compute_indicators(flows).filter(material="all", region="all").collect()
    assert total.select("waste_generated_t", "final_disposal_t", "final_disposal_rate").row(0) == (10.0, 10.0, 1.0)


def test_indicators_do_not_mutate_and_are_deterministic() -> None:
    flows = example_flows()
    before = flows.collect()
    first = compute_indicators(flows.collect().sample(fraction=1.0, shuffle=True, seed=1).lazy()).collect()
    second = compute_indicators(flows).collect()
    assert_frame_equal(first, second)
    assert_frame_equal(flows.collect(), before)
