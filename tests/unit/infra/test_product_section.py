"""The period report's product section: bars per product (mart.product_circularity), recycled content by assurance."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from infra.rendering.period_report import build_period_report
from infra.rendering.product_section import content_rows, product_charts
from schemas.tables import TABLES
from tests.unit.infra.test_period_report import example_tables

CAN, FRIDGE, PET, EV = "packaging.aluminium_can", "appliances.refrigerator", "packaging.pet_bottle", "batteries.ev"


def product_rows(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """National all-materials rows of mart.product_circularity (and one prefecture row, which is not drawn)."""
    schema = TABLES["mart.product_circularity"]
    base = dict.fromkeys(schema) | {"period": "FY2024", "product_level": "leaf", "material": "all"}
    base |= {"material_level": "all", "region": "all", "region_level": "all", "contributors": 3, "suppressed": False}
    return pl.DataFrame([base | row for row in rows], schema=schema)


# Cans (an association's published figures) and a refrigerator maker alone (its closed loop withheld).
PRODUCTS = product_rows(
    [
        {
            "product_category": CAN,
            "placed_on_market_t": 330_000.0,
            "collected_t": 318_000.0,
            "recycled_t": 313_000.0,
            "recycled_domestic_t": 255_000.0,
            "closed_loop_t": 188_000.0,
            "collection_rate": 318 / 330,
            "recycling_rate": 313 / 330,
            "closed_loop_share_of_placed": 188 / 330,
            "closed_loop_share_of_recycled": 188 / 255,
        },
        {
            "product_category": FRIDGE,
            "placed_on_market_t": 40_000.0,
            "collected_t": 17_000.0,
            "recycled_t": 17_000.0,
            "recycled_domestic_t": 17_000.0,
            "collection_rate": 17 / 40,
            "recycling_rate": 17 / 40,
            "contributors": 1,
            "suppressed": True,
            "suppression_reason": "few_contributors",
        },
        {"product_category": CAN, "region": "JP-13", "region_level": "prefecture", "placed_on_market_t": 1.0},
    ]
)


def content(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = TABLES["mart.recycled_content"]
    base = dict.fromkeys(schema) | {"period": "FY2024", "product_level": "leaf", "material": "all"}
    base |= {"material_level": "all", "contributors": 3, "suppressed": False}
    return pl.DataFrame([base | row for row in rows], schema=schema)


# Three bottlers: 560 t of PET bottles, 29 % post-consumer, of which 75 % verified; a battery maker alone, withheld.
RECYCLED = content(
    [
        {
            "product_category": PET,
            "net_mass_t": 560.0,
            "recycled_pre_consumer_t": 0.0,
            "recycled_post_consumer_t": 162.4,
            "third_party_verified_t": 121.8,
            "recycled_pre_consumer_share": 0.0,
            "recycled_post_consumer_share": 0.29,
            "third_party_verified_share": 0.75,
        },
        {"product_category": EV, "contributors": 1, "suppressed": True, "suppression_reason": "few_contributors"},
    ]
)


def test_each_product_is_drawn_to_its_own_scale_and_a_withheld_value_is_written_not_drawn() -> None:
    cans, fridges = product_charts(PRODUCTS, "FY2024")

    assert (cans.product, cans.label_ja, fridges.product) == (CAN, "アルミ缶", FRIDGE)
    lengths = {step.column: round(step.length, 1) for step in cans.steps}
    assert lengths == {
        "placed_on_market_t": 300.0,  # the largest bar of its own chart
        "collected_t": 289.1,  # 318 / 330 of it
        "recycled_t": 284.5,
        "recycled_domestic_t": 231.8,
        "closed_loop_t": 170.9,
    }
    assert [text for _, _, text, _ in cans.rates] == ["96.4%", "94.8%", "57.0%", "73.7%"]
    closed = next(step for step in fridges.steps if step.column == "closed_loop_t")
    assert (closed.text, closed.withheld, closed.length) == ("秘匿", True, 0.0)
    assert [(text, withheld) for _, _, text, withheld in fridges.rates][2:] == [("秘匿", True), ("秘匿", True)]


def test_recycled_content_shows_the_shares_and_the_recycled_tonnes_assurance() -> None:
    bottles, batteries = content_rows(RECYCLED, "FY2024")

    assert [text for text, _ in bottles.cells] == ["560.0", "0.0%", "29.0%", "75.0%", "25.0%"]
    assert batteries.cells == (("秘匿", True),) * 5


def test_the_period_report_has_the_product_section_offline() -> None:
    tables = {**example_tables(), "mart.product_circularity": PRODUCTS, "mart.recycled_content": RECYCLED}

    html = build_period_report(period="FY2024", tables=tables, language="en")

    assert '<h2 id="products">' in html
    assert re.findall(r'<figure class="product-chart" data-product="([^"]+)"', html) == [CAN, FRIDGE]
    assert html.count('class="product-bar withheld"') == 1  # the refrigerator maker's closed loop, written as 秘匿
    assert '<tr data-product="packaging.pet_bottle">' in html
    assert "<script src" not in html  # inline SVG: nothing fetched


def test_without_the_product_tables_the_report_has_no_product_section() -> None:
    html = build_period_report(period="FY2024", tables=example_tables(), language="en")

    assert '<h2 id="products">' not in html
