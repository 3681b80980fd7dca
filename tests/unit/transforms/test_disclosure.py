"""Disclosure control: primary and secondary suppression on small examples worked out by hand.

Every suppressed table is also handed to an attacker who knows the hierarchies (a total equals the sum of
its children) and solves every equation with one unknown, again and again; it must recover nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas.regions import PREFECTURE_TO_BLOC
from schemas.tables import PERIOD_COLUMNS, SCOPE_COLUMNS, SUPPRESSION_COLUMNS, TABLES
from tests.factories import make_flows
from tests.table_suppression import (
    suppress_flows,
    suppress_indicators,
    suppress_sankey,
    suppress_stage_balance,
)
from transforms.disclosure import suppress_cells
from transforms.indicators import QUANTITY_FLOWS, RATES, compute_member_indicators

Row = dict[str, Any]
# A hierarchy as the attacker knows it: for a row, the (equation name, key overrides of its total) it is a child in.
ParentOf = Callable[[Row], list[tuple[str, Row]]]

NRI = "natural_resource_input_t"


# --- the attacker -----------------------------------------------------------------------------


def attack(
    table: pl.DataFrame, *, keys: Sequence[str], value: str, parent_of: ParentOf
) -> dict[tuple[Any, ...], float]:
    """Values of suppressed cells recovered from published ones, by repeatedly solving one-unknown equations."""
    rows = {tuple(row[k] for k in keys): row for row in table.to_dicts()}
    known = {key: row[value] for key, row in rows.items() if not row["suppressed"]}
    equations: dict[tuple[str, tuple[Any, ...]], list[tuple[Any, ...]]] = defaultdict(list)
    for key, row in rows.items():
        for name, overrides in parent_of(row):
            total = tuple({**row, **overrides}[k] for k in keys)
            if total in rows:
                equations[(name, total)].append(key)
    recovered: dict[tuple[Any, ...], float] = {}
    progress = True
    while progress:
        progress = False
        for (_, total), children in equations.items():
            unknown = [cell for cell in (total, *children) if cell not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            if cell == total:
                known[cell] = sum(known[child] for child in children)
            else:
                known[cell] = known[total] - sum(known[child] for child in children if child != cell)
            recovered[cell] = known[cell]
            progress = True
    return recovered


def indicator_parents(row: Row) -> list[tuple[str, Row]]:
    """The material and region hierarchies of `mart.indicators`."""
    parents: list[tuple[str, Row]] = []
    if row["material_level"] == "leaf":
        parents.append(("leaf→group", {"material": row["material"].split(".")[0], "material_level": "group"}))
    if row["material_level"] == "group":
        parents.append(("group→all", {"material": "all", "material_level": "all"}))
    if row["region_level"] == "prefecture":
        bloc = PREFECTURE_TO_BLOC.get(row["region"], row["region"])
        parents.append(("prefecture→bloc", {"region": bloc, "region_level": "bloc"}))
    if row["region_level"] == "bloc":
        parents.append(("bloc→all", {"region": "all", "region_level": "all"}))
    return parents


INDICATOR_KEYS = [*PERIOD_COLUMNS, *SCOPE_COLUMNS]


def test_attacker_recovers_a_lone_suppressed_child() -> None:
    # JP-13 (10) is hidden, JP-40 (90) and all (100) are published: 100 - 90 = 10.
    table = pl.DataFrame(
        {
            "material_level": ["all"] * 3,
            "region": ["JP-13", "JP-40", "all"],
            "region_level": ["bloc", "bloc", "all"],
            "quantity_t": [10.0, 90.0, 100.0],
            "suppressed": [True, False, False],
        }
    )
    found = attack(table, keys=["region"], value="quantity_t", parent_of=indicator_parents)
    assert found == {("JP-13",): 10.0}


# --- examples ---------------------------------------------------------------------------------


def _flow(
    member: str, material: str, region: str, quantity: float, stages: tuple[str, str] = ("import", "production")
) -> Row:
    return {
        "member_id": member,
        "material": material,
        "material_group": material.split(".")[0],
        "region": region,
        "source_stage": stages[0],
        "target_stage": stages[1],
        "source": stages[0],
        "target": stages[1],
        "quantity": quantity,
        "quantity_t": quantity,
    }


def _indicator_tables(rows: list[Row]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """`core.member_indicators` and the public cells: member rows summed, members counted, rates recomputed."""
    member_indicators = compute_member_indicators(make_flows(rows=rows).lazy())
    public = (
        member_indicators.group_by(INDICATOR_KEYS)
        .agg(*(pl.col(name).sum() for name in QUANTITY_FLOWS), pl.col("member_id").n_unique().alias("contributors"))
        .with_columns(**RATES)
        .select(
            [
                pl.col(name).cast(dtype)
                for name, dtype in TABLES["mart.indicators"].items()
                if name not in SUPPRESSION_COLUMNS
            ]
        )
        .sort(INDICATOR_KEYS)
    )
    return member_indicators, public


def _reasons(table: pl.DataFrame) -> dict[tuple[str, str], str | None]:
    return {(row["material"], row["region"]): row["suppression_reason"] for row in table.to_dicts()}


# Material hierarchy, one region (JP-40); every flow import -> production, so only NRI is non-zero.
#   plastics.pet: a 30, b 30, c 30 = 90      plastics.pe: a 10, b 10, c 10 = 30     plastics.pp: d 5 = 5
#   paper.cardboard: a 40, b 40, c 40 = 120  paper.newspaper: a 20, b 20, c 20 = 60
#   plastics = 125 (a 40, b 40, c 40, d 5: top two 80 / 125 = 0.64)   paper = 180   all = 305
MATERIAL_EXAMPLE = [
    *(_flow(m, "plastics.pet", "JP-40", 30.0) for m in "abc"),
    *(_flow(m, "plastics.pe", "JP-40", 10.0) for m in "abc"),
    _flow("d", "plastics.pp", "JP-40", 5.0),
    *(_flow(m, "paper.cardboard", "JP-40", 40.0) for m in "abc"),
    *(_flow(m, "paper.newspaper", "JP-40", 20.0) for m in "abc"),
]


def test_material_hierarchy_hides_the_smallest_sibling() -> None:
    member_indicators, public = _indicator_tables(MATERIAL_EXAMPLE)
    out = suppress_indicators(public, member_indicators=member_indicators).collect()

    # pp has one member (few); plastics = pet + pe + pp would give pp = 125 - 90 - 30, so the smallest
    # published sibling, pe (30 < pet 90), is hidden too. With one region, each "all regions" cell equals
    # its JP-40 cell, so it carries the same reason.
    expected_hidden = {"plastics.pp": "few_contributors", "plastics.pe": "secondary"}
    for (material, _region), reason in _reasons(out).items():
        assert reason == expected_hidden.get(material), material
    assert out.schema == TABLES["mart.indicators"]
    assert attack(out, keys=INDICATOR_KEYS, value=NRI, parent_of=indicator_parents) == {}


def test_rates_are_suppressed_with_their_quantities() -> None:
    member_indicators, public = _indicator_tables(MATERIAL_EXAMPLE)
    out = suppress_indicators(public, member_indicators=member_indicators).collect()
    rows = {(r["material"], r["region"]): r for r in out.to_dicts()}
    # published: cyclical 0 / (0 + 90) = 0.0; the hidden pp: every quantity and every rate null
    assert rows[("plastics.pet", "JP-40")]["input_cyclical_use_rate"] == 0.0
    assert rows[("plastics.pet", "JP-40")][NRI] == 90.0
    hidden = rows[("plastics.pp", "JP-40")]
    assert [hidden[name] for name in (*QUANTITY_FLOWS, *RATES)] == [None] * (len(QUANTITY_FLOWS) + len(RATES))
    assert hidden["contributors"] == 1  # the count stays published, as in official statistics


# Region hierarchy, one material (paper.cardboard), so leaf = group = all within a region:
#   JP-40: a 40, b 40, c 40 = 120    JP-13: d 10, e 10 = 20 (two members)    JP-27: a 30, f 30, g 30 = 90
#   all regions: 230 (a 70, b 40: top two 110 / 230 = 0.48)
REGION_EXAMPLE = [
    *(_flow(m, "paper.cardboard", "JP-40", 40.0) for m in "abc"),
    *(_flow(m, "paper.cardboard", "JP-13", 10.0) for m in "de"),
    *(_flow(m, "paper.cardboard", "JP-27", 30.0) for m in "afg"),
]


def test_region_hierarchy_hides_the_smallest_other_region() -> None:
    member_indicators, public = _indicator_tables(REGION_EXAMPLE)
    out = suppress_indicators(public, member_indicators=member_indicators).collect()

    # JP-13 has two members (few) at every material level, and so has its bloc, Kanto, which holds it alone;
    # all = Kyushu (JP-40) + Kanto (JP-13) + Kinki (JP-27) would give it back as 230 - 120 - 90, so the smaller
    # other bloc, Kinki (90 < 120), is hidden at every level, and with it JP-27, which equals it.
    reasons = _reasons(out)
    assert {key: reason for key, reason in reasons.items() if reason} == {
        (material, region): reason
        for material in ("paper.cardboard", "paper", "all")
        for region, reason in (
            ("JP-13", "few_contributors"),
            ("JP-B-KANTO", "few_contributors"),
            ("JP-27", "secondary"),
            ("JP-B-KINKI", "secondary"),
        )
    }
    published = out.filter(~pl.col("suppressed"), region="all", material_level="all")
    assert published.get_column(NRI).to_list() == [230.0]
    assert attack(out, keys=INDICATOR_KEYS, value=NRI, parent_of=indicator_parents) == {}


def _grid_example() -> list[Row]:
    """A bigger deterministic example: 9 members, 3 regions, 5 leaves in 3 groups, uneven presence."""
    materials = ["plastics.pet", "plastics.pe", "paper.cardboard", "paper.newspaper", "metals.copper"]
    regions = ["JP-13", "JP-27", "JP-40"]
    rows = []
    for m in range(9):
        for i, material in enumerate(materials):
            for j, region in enumerate(regions):
                if (m + 2 * i + 3 * j) % 4 == 0:
                    rows.append(_flow(f"m{m}", material, region, float((7 * m + 13 * i + 5 * j) % 40 + 1)))
    return rows


def test_no_suppressed_value_can_be_recovered_on_a_bigger_grid() -> None:
    member_indicators, public = _indicator_tables(_grid_example())
    primary_only = suppress_cells(
        public,
        member_indicators,
        keys=INDICATOR_KEYS,
        value_columns=list(QUANTITY_FLOWS),
        derived_columns=list(RATES),
    ).collect()
    truth = {tuple(r[k] for k in INDICATOR_KEYS): r[NRI] for r in public.collect().to_dicts()}
    leaked = attack(primary_only, keys=INDICATOR_KEYS, value=NRI, parent_of=indicator_parents)
    # Without secondary suppression the attacker does get exact values back: the test can fail.
    assert leaked
    assert all(value == pytest.approx(truth[key]) for key, value in leaked.items())

    out = suppress_indicators(public, member_indicators=member_indicators).collect()
    assert attack(out, keys=INDICATOR_KEYS, value=NRI, parent_of=indicator_parents) == {}
    # secondary suppression only adds: every primary reason is kept
    assert_frame_equal(
        out.filter(pl.col("suppression_reason") != "secondary").select(*INDICATOR_KEYS, "suppression_reason"),
        primary_only.filter(pl.col("suppressed")).select(*INDICATOR_KEYS, "suppression_reason"),
    )


# --- primary suppression ----------------------------------------------------------------------


def _cells(values: dict[str, list[float]]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """One cell per name, its members' contributions in `values`."""
    cells = pl.LazyFrame({"cell": list(values), "quantity_t": [sum(v) for v in values.values()]})
    contributions = pl.LazyFrame(
        [
            {"cell": cell, "member_id": f"m{i}", "quantity_t": quantity}
            for cell, quantities in values.items()
            for i, quantity in enumerate(quantities)
        ]
    )
    return cells, contributions


def test_primary_suppression_by_count_and_by_dominance() -> None:
    cells, contributions = _cells(
        {
            "one": [5.0],  # 1 member: few
            "two": [5.0, 5.0],  # 2 members: few
            "dominated": [90.0, 5.0, 5.0],  # top two 95 / 100 = 0.95 > 0.85
            "spread": [40.0, 40.0, 20.0],  # top two 80 / 100 = 0.80: published
            "zeros": [0.0, 0.0, 0.0],  # nothing to dominate: published
        }
    )
    out = suppress_cells(cells, contributions, keys=["cell"], value_columns=["quantity_t"]).collect()
    expected = pl.DataFrame(
        {
            "cell": ["one", "two", "dominated", "spread", "zeros"],
            "quantity_t": [None, None, None, 100.0, 0.0],
            "suppressed": [True, True, True, False, False],
            "suppression_reason": ["few_contributors", "few_contributors", "dominance", None, None],
        }
    )
    assert_frame_equal(out, expected)


def test_thresholds_are_parameters() -> None:
    cells, contributions = _cells({"two": [5.0, 5.0], "dominated": [90.0, 5.0, 5.0]})
    out = suppress_cells(
        cells, contributions, keys=["cell"], value_columns=["quantity_t"], min_contributors=2, dominance_share=0.96
    ).collect()
    # two: 2 >= 2 members, but two members always hold 100 % > 96 % of their cell; dominated: 0.95 <= 0.96
    assert out.get_column("suppression_reason").to_list() == ["dominance", None]


def test_a_cell_without_contributions_is_suppressed() -> None:
    cells = pl.LazyFrame({"cell": ["x"], "quantity_t": [3.0]})
    contributions = pl.LazyFrame(schema={"cell": pl.String(), "member_id": pl.String(), "quantity_t": pl.Float64()})
    out = suppress_cells(cells, contributions, keys=["cell"], value_columns=["quantity_t"]).collect()
    assert out.row(0) == ("x", None, True, "few_contributors")


# --- the other marts --------------------------------------------------------------------------


def test_core_tables_carry_no_suppression_and_marts_and_drafts_all_do() -> None:
    for name, schema in TABLES.items():
        has_columns = all(column in schema for column in SUPPRESSION_COLUMNS)
        # mart.releases counts what each release changed: it has no member figures to withhold.
        published = name.startswith(("mart.", "draft.")) and name != "mart.releases"
        assert has_columns == published, name


def test_core_input_is_left_untouched() -> None:
    member_indicators, public = _indicator_tables(MATERIAL_EXAMPLE)
    before = member_indicators.collect()
    suppress_indicators(public, member_indicators=member_indicators).collect()
    assert_frame_equal(member_indicators.collect(), before)
    assert before.filter(material="plastics.pp", region="JP-40").get_column(NRI).to_list() == [5.0]


# The next three run the real mart builders (transforms.marts, balance, sankey) on core flows.


def test_sankey_all_materials_minus_groups_is_protected() -> None:
    # use -> collection: plastics a 30, b 30, c 30 = 90; paper d 10 (few); all = 100 (top two 60 / 100).
    # all - plastics would give paper back, so plastics (the only other group) is hidden too.
    rows = [*(_flow(m, "plastics.pet", "JP-40", 30.0, ("use", "collection")) for m in "abc")]
    rows.append(_flow("d", "paper.cardboard", "JP-40", 10.0, ("use", "collection")))
    flows = make_flows(rows=rows).lazy()
    from transforms.sankey import build_sankey_links

    out = suppress_sankey(build_sankey_links(flows), core_flows=flows).collect()
    assert out.schema == TABLES["mart.sankey_links"]
    assert out.select("material", "value_t", "suppression_reason").rows() == [
        ("all", 100.0, None),
        ("paper", None, "few_contributors"),
        ("plastics", None, "secondary"),
    ]

    def sankey_parents(row: Row) -> list[tuple[str, Row]]:
        return [("group→all", {"material": "all", "material_level": "all"})] if row["material_level"] == "group" else []

    keys = ["period", "material", "material_level", "source", "target"]
    assert attack(out, keys=keys, value="value_t", parent_of=sankey_parents) == {}


def test_flows_and_stage_balance_are_suppressed_from_member_flows() -> None:
    # use -> collection in JP-40: a 50, b 30, c 20 (top two 80 / 100: published);
    # collection -> recycling: a 95, b 3, c 2 (top two 98 / 100: dominance).
    rows = [
        _flow("a", "paper.cardboard", "JP-40", 50.0, ("use", "collection")),
        _flow("b", "paper.cardboard", "JP-40", 30.0, ("use", "collection")),
        _flow("c", "paper.cardboard", "JP-40", 20.0, ("use", "collection")),
        _flow("a", "paper.cardboard", "JP-40", 95.0, ("collection", "recycling")),
        _flow("b", "paper.cardboard", "JP-40", 3.0, ("collection", "recycling")),
        _flow("c", "paper.cardboard", "JP-40", 2.0, ("collection", "recycling")),
    ]
    flows = make_flows(rows=rows).lazy()
    from transforms.balance import compute_stage_balance
    from transforms.marts import summarize_flows

    mart_flows = suppress_flows(summarize_flows(flows), core_flows=flows).collect()
    assert mart_flows.schema == TABLES["mart.flows"]
    assert mart_flows.select("source_stage", "quantity_t", "suppression_reason").rows() == [
        ("collection", None, "dominance"),
        ("use", 100.0, None),
    ]

    # Stage balance: use out 100 (50/30/20: published); collection in 100 (80 / 100: fine) but out 100
    # (a 95 + b 3 = 98 / 100: dominance); recycling in 100 (dominance). Imbalance goes with its flows.
    balance = suppress_stage_balance(compute_stage_balance(flows), core_flows=flows).collect()
    assert balance.schema == TABLES["mart.stage_balance"]
    assert balance.select("stage", "inflow_t", "outflow_t", "imbalance_t", "suppression_reason").rows() == [
        ("collection", None, None, None, "dominance"),
        ("recycling", None, None, None, "dominance"),
        ("use", 0.0, 100.0, -100.0, None),
    ]
