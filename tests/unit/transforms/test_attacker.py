"""An attacker who reads every published table of a period at once, and solves for the hidden cells.

The attacker knows how each table is made (README: a stage's inflow, an indicator, a Sankey link are sums of
`mart.flows` cells) and that tonnes are never negative. From all published cells of a period it builds one
system of linear equations in the `mart.flows` cells and bounds every sensitive value with two LPs. A
sensitive value is a quantity of a primary cell: of too few members (protected by ±10 %), or dominated by its
two largest members (protected until the cell could be undominated: top two / 0.85 − value). The equations
are written here from those definitions, not taken from `transforms.linked_disclosure`, so a slip in the
production's equation system cannot hide itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from scipy.optimize import linprog

from schemas import vocabulary as v
from transforms.balance import compute_stage_balance
from transforms.disclosure import suppress_flows, suppress_indicators, suppress_sankey, suppress_stage_balance
from transforms.indicators import compute_indicators
from transforms.linked_disclosure import suppress_publication
from transforms.marts import summarize_flows
from transforms.sankey import build_sankey_links

MIN_CONTRIBUTORS = 3
DOMINANCE_SHARE = 0.85
SAFETY_RANGE = 0.10

Base = tuple[str, str, str, str]  # material, region, source_stage, target_stage
Tables = dict[str, pl.DataFrame]
Suppressor = Callable[[pl.DataFrame], Tables]

_ALL = frozenset(v.STAGE_CODES)
# README's indicator definitions: (from stages, to stages) per quantity.
INDICATOR_FLOWS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "natural_resource_input_t": (v.SOURCES, v.ECONOMY),
    "cyclical_use_t": (v.CIRCULAR, v.ECONOMY),
    "waste_generated_t": (v.ECONOMY, v.END_OF_LIFE),
    "recovered_t": (_ALL - v.CIRCULAR, v.CIRCULAR),
    "energy_recovery_t": (_ALL - {v.ENERGY_RECOVERY}, frozenset({v.ENERGY_RECOVERY})),
    "final_disposal_t": (_ALL - {v.LANDFILL}, frozenset({v.LANDFILL})),
}


def flows_frame(rows: Iterable[tuple[str, str, str, str, str, float]]) -> pl.DataFrame:
    """A period's flows per member and cell, as `flow_cells` gives them: (member, material, region, from, to, t)."""
    frame = pl.DataFrame(
        list(rows),
        schema=["member_id", "material", "region", "source_stage", "target_stage", "quantity_t"],
        orient="row",
    )
    keys = ["member_id", "material", "region", "source_stage", "target_stage"]
    return (
        frame.group_by(keys)
        .agg(pl.col("quantity_t").sum())
        .select(
            "member_id",
            pl.lit("FY2024").alias("period"),
            pl.lit(date(2024, 4, 1)).alias("period_start"),
            pl.lit(date(2025, 3, 31)).alias("period_end"),
            pl.lit("fiscal_year").alias("grain"),
            "material",
            pl.col("material").str.split(".").list.first().alias("material_group"),
            "region",
            "source_stage",
            "target_stage",
            "quantity_t",
        )
        .sort(keys)
    )


def joint(flows: pl.DataFrame) -> Tables:
    """The pass publishing runs: every table of the period protected together."""
    return suppress_publication(flows.lazy()).tables


def per_table(flows: pl.DataFrame) -> Tables:
    """Each table suppressed on its own hierarchies only (what publishing did before the joint pass)."""
    lazy = flows.lazy()
    return {
        "mart.flows": suppress_flows(summarize_flows(lazy), core_flows=lazy).collect(),
        "mart.stage_balance": suppress_stage_balance(compute_stage_balance(lazy), core_flows=lazy).collect(),
        "mart.indicators": suppress_indicators(
            compute_indicators(lazy), member_indicators=compute_indicators(lazy, by_member=True)
        ).collect(),
        "mart.sankey_links": suppress_sankey(build_sankey_links(lazy), core_flows=lazy).collect(),
    }


# --- the attacker's model of each published value ------------------------------------------------


def _in_scope(base: Base, material: str, material_level: str, region: str, region_level: str) -> bool:
    base_material, base_region = base[0], base[1]
    material_ok = {
        "leaf": base_material == material,
        "group": base_material.split(".")[0] == material,
        "all": True,
    }[material_level]
    return material_ok and (region_level == "all" or base_region == region)


def published_values(row: dict[str, Any], table: str, cells: list[Base]) -> list[tuple[str, set[int]]]:
    """(column, base cells it sums) for every value of one row of a published table."""
    if table == "mart.flows":
        key = (row["material"], row["region"], row["source_stage"], row["target_stage"])
        return [("quantity_t", {j for j, base in enumerate(cells) if base == key})]
    if table == "mart.stage_balance":
        here = [j for j, b in enumerate(cells) if (b[0], b[1]) == (row["material"], row["region"]) and b[2] != b[3]]
        return [
            ("inflow_t", {j for j in here if cells[j][3] == row["stage"]}),
            ("outflow_t", {j for j in here if cells[j][2] == row["stage"]}),
        ]
    if table == "mart.indicators":
        scope = [
            j
            for j, base in enumerate(cells)
            if _in_scope(base, row["material"], row["material_level"], row["region"], row["region_level"])
        ]
        return [
            (name, {j for j in scope if cells[j][2] in sources and cells[j][3] in targets})
            for name, (sources, targets) in INDICATOR_FLOWS.items()
        ]
    if table == "mart.sankey_links":
        return [
            (
                "value_t",
                {
                    j
                    for j, base in enumerate(cells)
                    if _in_scope(base, row["material"], row["material_level"], "", "all")
                    and (base[2], base[3]) == (row["source"], row["target"])
                },
            )
        ]
    msg = f"the attacker does not know {table}"
    raise ValueError(msg)


def absent_links(tables: Tables, cells: list[Base]) -> list[set[int]]:
    """Stage links the Sankey does not draw although flows exist: the attacker learns they sum to 0 t."""
    drawn = {(r["material"], r["source"], r["target"]) for r in tables["mart.sankey_links"].to_dicts()}
    sums: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for j, (material, _region, source, target) in enumerate(cells):
        if source != target:
            sums[(material.split(".")[0], source, target)].add(j)
            sums[(v.ALL_MATERIALS, source, target)].add(j)
    return [members for link, members in sums.items() if link not in drawn]


@dataclass(frozen=True)
class Exposure:
    """A sensitive value whose feasible interval is narrower than its protection interval."""

    table: str
    row: dict[str, Any]
    column: str
    value: float
    protection: float
    low: float
    high: float


def attack(flows: pl.DataFrame, tables: Tables) -> list[Exposure]:
    """Every sensitive value published, or hidden but pinned down closer than its protection interval.

    The attacker reads every non-null value, whatever the row's `suppressed` says.
    """
    cells = sorted({(r["material"], r["region"], r["source_stage"], r["target_stage"]) for r in flows.to_dicts()})
    index = {base: j for j, base in enumerate(cells)}
    parts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(cells)))
    for r in flows.to_dicts():
        parts[r["member_id"]][index[(r["material"], r["region"], r["source_stage"], r["target_stage"])]] += r[
            "quantity_t"
        ]
    truth = sum(parts.values(), np.zeros(len(cells)))

    equations: list[tuple[np.ndarray, float]] = []
    sensitive: list[tuple[str, dict[str, Any], str, np.ndarray, float]] = []
    published: list[Exposure] = []
    for table, frame in tables.items():
        for row in frame.to_dicts():
            for column, members in published_values(row, table, cells):
                vector = np.zeros(len(cells))
                vector[list(members)] = 1.0
                shares = sorted((vector @ part for part in parts.values()), reverse=True)
                value, top_two = float(sum(shares)), float(sum(shares[:2]))
                protection = max(
                    SAFETY_RANGE * value if row["contributors"] < MIN_CONTRIBUTORS else 0.0,
                    min(value, top_two / DOMINANCE_SHARE - value) if top_two > DOMINANCE_SHARE * value else 0.0,
                )
                is_sensitive = value > 0 and protection > 0
                if row[column] is None:
                    if is_sensitive:
                        sensitive.append((table, row, column, vector, protection))
                    continue
                # A published value: the attacker reads it (and a sensitive one is exposed as it stands).
                assert row[column] == pytest.approx(vector @ truth, abs=1e-6), (table, row, column)
                equations.append((vector, row[column]))
                if is_sensitive:
                    published.append(Exposure(table, row, column, value, protection, row[column], row[column]))
    for members in absent_links(tables, cells):
        vector = np.zeros(len(cells))
        vector[list(members)] = 1.0
        equations.append((vector, 0.0))

    a_eq = np.array([vector for vector, _ in equations]) if equations else None
    b_eq = np.array([value for _, value in equations]) if equations else None
    exposures = published
    for table, row, column, vector, protection in sensitive:
        bounds = []
        for sign in (1.0, -1.0):
            result = linprog(sign * vector, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            assert result.status in (0, 3), result.message  # optimal, or unbounded above
            bounds.append(sign * result.fun if result.status == 0 else np.inf * -sign)
        low, high = bounds[0], bounds[1]
        value = float(vector @ truth)
        tolerance = 1e-6 * max(1.0, value)
        if high < value + protection - tolerance or low > value - protection + tolerance:
            exposures.append(Exposure(table, row, column, value, protection, low, high))
    return exposures


def primary_cells_are_hidden(flows: pl.DataFrame, tables: Tables) -> None:
    """Every cell of too few members is suppressed, whatever the pass."""
    for table, frame in tables.items():
        assert frame.filter((pl.col("contributors") < MIN_CONTRIBUTORS) & ~pl.col("suppressed")).is_empty(), table


# --- the planted leak of issue 12 -----------------------------------------------------------------

# Four members in JP-13 and one alone in JP-40 (70 t); the all-regions indicator minus JP-13's mart.flows
# cell gave back the lone member's 70 t exactly.
PLANTED = [
    *((member, "paper.cardboard", "JP-13", "import", "production", 30.0) for member in "abcd"),
    ("e", "paper.cardboard", "JP-40", "import", "production", 70.0),
]
# The same across the material hierarchy: plastics.pp alone in its group's Sankey link.
PLANTED_MATERIAL = [
    *((member, "plastics.pet", "JP-13", "use", "collection", 30.0) for member in "abcd"),
    ("e", "plastics.pp", "JP-13", "use", "collection", 70.0),
]


@pytest.mark.parametrize("rows", [PLANTED, PLANTED_MATERIAL], ids=["regions", "materials"])
def test_per_table_suppression_gives_back_the_lone_member(rows: list[tuple[str, str, str, str, str, float]]) -> None:
    flows = flows_frame(rows)
    exposures = attack(flows, per_table(flows))
    lone = [e for e in exposures if e.row["contributors"] == 1 and e.low == pytest.approx(e.high)]
    assert lone, "the attacker should recover the lone member from per-table suppression"
    assert {round(e.value, 6) for e in lone} == {70.0}
    assert all(e.low == pytest.approx(70.0) for e in lone)


@pytest.mark.parametrize("rows", [PLANTED, PLANTED_MATERIAL], ids=["regions", "materials"])
def test_the_joint_pass_closes_the_planted_leak(rows: list[tuple[str, str, str, str, str, float]]) -> None:
    flows = flows_frame(rows)
    tables = joint(flows)
    primary_cells_are_hidden(flows, tables)
    assert attack(flows, tables) == []
    # and the national total is still published
    national = tables["mart.indicators"].filter(material_level="all", region_level="all")
    assert national.get_column("suppressed").to_list() == [False]
    quantities = national.select(pl.sum_horizontal("natural_resource_input_t", "waste_generated_t"))
    assert quantities.to_series().to_list() == [190.0]


# --- random small populations -----------------------------------------------------------------------

MATERIALS = ("plastics.pet", "plastics.pe", "paper.cardboard")
REGIONS = ("JP-13", "JP-40", "JP-27")
STAGE_PAIRS = (
    ("import", "production"),
    ("production", "use"),
    ("use", "collection"),
    ("collection", "recycling"),
    ("recycling", "production"),
    ("collection", "landfill"),
    ("use", "energy_recovery"),
    ("recycling", "recycling"),  # between two recyclers: in mart.flows, in no balance, link or indicator
)
flow_rows = st.lists(
    st.tuples(
        st.sampled_from([f"m{i}" for i in range(7)]),
        st.sampled_from(MATERIALS),
        st.sampled_from(REGIONS),
        st.sampled_from(STAGE_PAIRS),
        st.integers(min_value=0, max_value=60),  # 0 t: a link not drawn,
    ),
    min_size=3,
    max_size=18,
).map(lambda rows: [(m, material, region, *pair, float(t)) for m, material, region, pair, t in rows])

EXAMPLES = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(rows=flow_rows)
def test_no_sensitive_value_can_be_narrowed_from_all_published_tables(
    rows: list[tuple[str, str, str, str, str, float]],
) -> None:
    flows = flows_frame(rows)
    tables = joint(flows)
    primary_cells_are_hidden(flows, tables)
    assert attack(flows, tables) == []


def test_random_populations_do_catch_per_table_suppression() -> None:
    # The same populations through the per-table pass: the attacker narrows some of them, so the test above
    # would fail if publishing went back to suppressing each table alone.
    found: list[Exposure] = []

    @EXAMPLES
    @given(rows=flow_rows)
    def collect(rows: list[tuple[str, str, str, str, str, float]]) -> None:
        flows = flows_frame(rows)
        found.extend(attack(flows, per_table(flows)))

    collect()
    assert found


def test_the_same_flows_in_another_order_give_the_same_pattern() -> None:
    # Republishing must give identical tables (README: every step is idempotent), whatever order the
    # builders' group-bys hand the cells to the LPs in.
    rows = [
        (f"m{(7 * i) % 6}", MATERIALS[i % 3], REGIONS[(i // 3) % 3], *STAGE_PAIRS[i % 7], float(5 + (11 * i) % 40))
        for i in range(40)
    ]
    flows = flows_frame(rows)
    first = joint(flows)
    again = joint(flows.sample(fraction=1.0, shuffle=True, seed=7))
    for table, frame in first.items():
        assert_frame_equal(again[table], frame)
