"""The attacker of `test_attacker.py` on products: a lone producer's closed loop, protected by the joint pass only.

`mart.product_circularity` sums the same flow cells as every other table, split by product, so it is one more table
of the flows' joint pass. Suppressed on its own (its own hierarchies only), it gives a lone producer's closed loop
back: the all-products total minus the other products' closed loops, which `mart.flows` publishes as they stand.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.table_suppression import suppress_table
from tests.unit.transforms.test_attacker import ProductRow, Tables, attack, flows_frame, joint
from transforms.disclosure import member_contributions
from transforms.disclosure.joint import suppress_publication
from transforms.product_circularity import compute_product_circularity
from transforms.publication import FLOW_TABLES, PUBLISHED_BUILDERS, LinkedTables

PET, CAN = "packaging.pet_bottle", "packaging.aluminium_can"
TOKYO = "JP-13"
# One bottler recycles 40 t of its bottles back into bottles in Tokyo; three recyclers there make 50 t each of
# recycled PET into other things (no product); three can makers each recycle 30 t of cans into cans.
LONE_CLOSED_LOOP: list[ProductRow] = [
    ("bottler", "plastics.pet", TOKYO, TOKYO, TOKYO, "recycling", "manufacturing", 40.0, PET),
    *(
        (member, "plastics.pet", TOKYO, TOKYO, TOKYO, "recycling", "manufacturing", 50.0, None)
        for member in ("fibre-a", "fibre-b", "sheet-c")
    ),
    *(
        (member, "metals.aluminium", TOKYO, TOKYO, TOKYO, "recycling", "manufacturing", 30.0, CAN)
        for member in ("can-a", "can-b", "can-c")
    ),
]


def product_table_alone(flows: pl.DataFrame) -> Tables:
    """The flow tables protected together, and the product table suppressed on its own hierarchies."""
    others = {table: build for table, build in PUBLISHED_BUILDERS.items() if table != "mart.product_circularity"}
    linked = LinkedTables(others, FLOW_TABLES.base_keys, FLOW_TABLES.prepare)
    tables = suppress_publication(flows.lazy(), linked=linked).tables
    lazy = FLOW_TABLES.prepare(flows.lazy()).lazy()
    contributions = member_contributions(lazy, compute_product_circularity)
    product = suppress_table("mart.product_circularity", compute_product_circularity(lazy), contributions)
    return {**tables, "mart.product_circularity": product.collect()}


def test_the_product_table_suppressed_on_its_own_gives_back_a_lone_producers_closed_loop() -> None:
    flows = flows_frame(LONE_CLOSED_LOOP)

    exposures = attack(flows, product_table_alone(flows))

    recovered = {
        (e.row["product_category"], e.row["material"], e.row["region"])
        for e in exposures
        if e.table == "mart.product_circularity" and e.column == "closed_loop_t" and e.low == e.high == 40.0
    }
    # the all-products total (130 t) minus the cans' 90 t, which mart.flows publishes for aluminium in Tokyo
    assert (PET, "plastics.pet", TOKYO) in recovered


def test_the_joint_pass_protects_a_lone_producers_closed_loop_and_keeps_the_flow_tables() -> None:
    flows = flows_frame(LONE_CLOSED_LOOP)

    tables = joint(flows)

    assert attack(flows, tables) == []
    products = tables["mart.product_circularity"]
    bottles = products.filter(product_category=PET, material="plastics.pet", region=TOKYO).row(0, named=True)
    assert (bottles["closed_loop_t"], bottles["suppression_reason"]) == (None, "few_contributors")
    # The flow tables never needed the product to protect anyone: they are published whole, as before products.
    for table in ("mart.flows", "mart.indicators", "mart.sankey_links", "mart.material_circularity"):
        assert not tables[table].get_column("suppressed").any(), table
    # What the three can makers recycle is published.
    cans = products.filter(product_category=CAN, material="metals.aluminium", region=TOKYO).row(0, named=True)
    assert cans["closed_loop_t"] == pytest.approx(90.0)


def test_without_products_the_flow_tables_are_the_same() -> None:
    # Products split the base cells: a period whose flows name none publishes exactly what it did before them.
    untagged = [(*row[:8], None) for row in LONE_CLOSED_LOOP]
    flows = flows_frame(untagged)
    before = suppress_publication(
        flows.drop("product_category").lazy(),
        linked=LinkedTables(
            {table: build for table, build in PUBLISHED_BUILDERS.items() if table != "mart.product_circularity"},
            tuple(name for name in FLOW_TABLES.base_keys if name != "product_category"),
            FLOW_TABLES.prepare,
        ),
    ).tables

    after = joint(flows)

    assert after["mart.product_circularity"].is_empty()
    for table, frame in before.items():
        assert after[table].equals(frame), table
