"""The product vocabulary: groups and leaves with both labels, and an unknown leaf rolled up like a material's."""

from __future__ import annotations

import polars as pl
import pytest

from schemas import products as p
from schemas import vocabulary as v
from transforms.products import roll_up_unknown_products

ISSUE_27_LEAVES = {
    "packaging.pet_bottle",
    "packaging.aluminium_can",
    "packaging.plastic_container",
    "appliances.air_conditioner",
    "appliances.refrigerator",
    "appliances.washing_machine",
    "appliances.television",
    "vehicles.passenger_car",
    "batteries.ev",
    "batteries.portable",
    "textiles.apparel",
    "electronics.ict",
}


def test_every_leaf_the_issue_names_is_a_leaf_of_a_known_group_with_both_labels() -> None:
    assert set(p.PRODUCT_LEAF_CODES) == ISSUE_27_LEAVES
    assert {code.split(".")[0] for code in p.PRODUCT_LEAF_CODES} == set(p.PRODUCT_GROUP_CODES)
    for term in (*p.PRODUCT_GROUPS, *p.PRODUCT_LEAVES):
        assert term.label_en
        assert term.label_ja
        assert term.label_ja != term.label_en or term.code == "packaging.pet_bottle"
    assert p.PRODUCT_TERMS["appliances.television"].label_ja == "テレビ"


@pytest.mark.parametrize(
    ("code", "known"),
    [("vehicles.passenger_car", True), ("vehicles.truck", True), ("vehicles", True), ("toys.robot", False)],
)
def test_a_code_is_known_by_its_group(code: str, known: bool) -> None:
    assert p.is_product_code(code) is known


def test_an_unknown_leaf_rolls_up_to_its_group_and_an_unknown_group_stays_for_its_error() -> None:
    frame = pl.LazyFrame({"product_category": ["vehicles.truck", "vehicles.passenger_car", "toys.robot", "textiles"]})

    rolled = roll_up_unknown_products(frame).collect().get_column("product_category").to_list()

    assert rolled == ["vehicles", "vehicles.passenger_car", "toys.robot", "textiles"]


def test_the_battery_metals_are_material_leaves_of_metals() -> None:
    labels = v.labels(v.MATERIAL_LEAVES)
    battery_metals = ("metals.cobalt", "metals.lithium", "metals.nickel", "metals.lead")
    assert {code: labels[code].label_ja for code in battery_metals} == {
        "metals.cobalt": "コバルト",
        "metals.lithium": "リチウム",
        "metals.nickel": "ニッケル",
        "metals.lead": "鉛",
    }
    assert set(labels) <= set(v.MATERIAL_CODES)
