"""mart.product_circularity worked by hand: every column, both closed-loop definitions, a foreign destination."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from transforms.product_circularity import compute_product_circularity

CAN, PET, FRIDGE = "packaging.aluminium_can", "packaging.pet_bottle", "appliances.refrigerator"


def flows(*rows: tuple[str, str, str | None, str, str, str, str | None, float]) -> pl.LazyFrame:
    """Flows of FY2024: (member, material, product, region, from, to, destination or blank, t)."""
    frame = pl.DataFrame(
        rows,
        schema={
            "member_id": pl.String(),
            "material": pl.String(),
            "product_category": pl.String(),
            "region": pl.String(),
            "source_stage": pl.String(),
            "target_stage": pl.String(),
            "destination_region": pl.String(),
            "quantity_t": pl.Float64(),
        },
        orient="row",
    )
    return frame.lazy().with_columns(
        pl.lit("FY2024").alias("period"),
        pl.lit(date(2024, 4, 1)).alias("period_start"),
        pl.lit(date(2025, 3, 31)).alias("period_end"),
        pl.lit("fiscal_year").alias("grain"),
        pl.col("material").str.extract(r"^([^.]+)", 1).alias("material_group"),
    )


# Aluminium cans in Tokyo: 200 t sold, 180 t collected, 120 t recycled in Japan and 40 t sent to Korea for recycling,
# 90 t back into cans and 10 t back into can stock at a rolling mill (production): 100 t can to can. A transfer
# between two recyclers is recycling once, not twice.
CANS = (
    ("can-maker", "metals.aluminium", CAN, "JP-13", "manufacturing", "use", None, 200.0),
    ("city", "metals.aluminium", CAN, "JP-13", "use", "collection", None, 180.0),
    ("city", "metals.aluminium", CAN, "JP-13", "collection", "sorting", None, 180.0),
    ("recycler", "metals.aluminium", CAN, "JP-13", "sorting", "recycling", None, 120.0),
    ("trader", "metals.aluminium", CAN, "JP-13", "sorting", "recycling", "KR", 40.0),
    ("recycler", "metals.aluminium", CAN, "JP-13", "recycling", "manufacturing", None, 90.0),
    ("recycler", "metals.aluminium", CAN, "JP-13", "recycling", "production", None, 10.0),
    ("recycler", "metals.aluminium", CAN, "JP-13", "recycling", "recycling", None, 5.0),
)
# PET bottles, reported nationally: 500 t sold, 450 t collected, 300 t recycled in Japan and 100 t in China, 100 t
# bottle to bottle. 1,000 t of recycled PET into fibre and sheet names no product: it is in no row here.
BOTTLES = (
    ("bottlers", "plastics.pet", PET, "JP", "manufacturing", "use", None, 500.0),
    ("councils", "plastics.pet", PET, "JP", "use", "collection", None, 450.0),
    ("reclaimer", "plastics.pet", PET, "JP", "sorting", "recycling", None, 300.0),
    ("exporter", "plastics.pet", PET, "JP", "sorting", "recycling", "CN", 100.0),
    ("reclaimer", "plastics.pet", PET, "JP", "recycling", "manufacturing", None, 100.0),
    ("reclaimer", "plastics.pet", None, "JP", "recycling", "manufacturing", None, 1000.0),
)
COLUMNS = (
    "placed_on_market_t",
    "collected_t",
    "recycled_t",
    "recycled_domestic_t",
    "closed_loop_t",
    "collection_rate",
    "recycling_rate",
    "closed_loop_share_of_placed",
    "closed_loop_share_of_recycled",
    "contributors",
)


def row(table: pl.DataFrame, **keys: str) -> dict[str, Any]:
    found = table.filter(**keys)
    assert found.height == 1, keys
    return {name: found.row(0, named=True)[name] for name in COLUMNS}


def test_every_column_of_aluminium_cans_by_hand_the_can_to_can_definition() -> None:
    table = compute_product_circularity(flows(*CANS)).collect()

    cans = row(table, product_category=CAN, material="metals.aluminium", region="JP-13")

    assert cans == {
        "placed_on_market_t": 200.0,
        "collected_t": 180.0,
        "recycled_t": 160.0,  # 120 t in Japan + 40 t in Korea
        "recycled_domestic_t": 120.0,  # the foreign destination is recycled, not recycled in Japan
        "closed_loop_t": 100.0,  # 90 t into cans + 10 t into can stock
        "collection_rate": 0.9,  # 180 / 200
        "recycling_rate": 0.8,  # 160 / 200
        "closed_loop_share_of_placed": 0.5,  # 100 / 200
        "closed_loop_share_of_recycled": pytest.approx(100 / 120),  # CAN to CAN: over what Japan recycled
        "contributors": 4,
    }


def test_every_column_of_pet_bottles_by_hand_the_bottle_to_bottle_definition() -> None:
    table = compute_product_circularity(flows(*BOTTLES)).collect()

    bottles = row(table, product_category=PET, material="plastics.pet", region="all")

    assert bottles == {
        "placed_on_market_t": 500.0,
        "collected_t": 450.0,
        "recycled_t": 400.0,  # 300 t in Japan + 100 t in China
        "recycled_domestic_t": 300.0,
        "closed_loop_t": 100.0,  # the 1,000 t that name no product are another loop
        "collection_rate": 0.9,
        "recycling_rate": 0.8,
        "closed_loop_share_of_placed": 0.2,  # bottle to bottle: over the bottles sold, as the PET council divides
        "closed_loop_share_of_recycled": pytest.approx(1 / 3),
        "contributors": 4,
    }
    # A nationwide report counts at level all only: no prefecture or bloc row holds it.
    assert set(table.get_column("region").to_list()) == {"all"}


def test_groups_and_all_add_products_materials_and_regions_and_the_rates_follow_their_tonnes() -> None:
    table = compute_product_circularity(flows(*CANS, *BOTTLES)).collect()

    packaging = row(table, product_category="packaging", product_level="group", material="all", region="all")
    everything = row(table, product_category="all", material="all", region="all")
    kanto = row(table, product_category=CAN, material="metals", region="JP-B-KANTO")

    assert packaging == everything
    assert everything["placed_on_market_t"] == 700.0
    assert (everything["recycled_t"], everything["recycled_domestic_t"], everything["closed_loop_t"]) == (
        560.0,
        420.0,
        200.0,
    )
    assert everything["closed_loop_share_of_placed"] == pytest.approx(200 / 700)
    assert everything["closed_loop_share_of_recycled"] == pytest.approx(200 / 420)
    assert everything["contributors"] == 8
    assert kanto["closed_loop_t"] == 100.0  # Tokyo's cans in their bloc, at material group level
    # The bottles' national report has no prefecture or bloc rows; the cans' Tokyo rows are at every level.
    assert table.filter(product_category=PET).get_column("region").unique().to_list() == ["all"]
    assert table.filter(product_category=CAN).get_column("region").unique().sort().to_list() == [
        "JP-13",
        "JP-B-KANTO",
        "all",
    ]


def test_a_zero_denominator_gives_null_and_flows_without_a_product_give_no_row() -> None:
    table = compute_product_circularity(
        flows(
            ("city", "metals.ferrous", FRIDGE, "JP-27", "use", "collection", None, 30.0),
            ("city", "metals.ferrous", None, "JP-27", "manufacturing", "use", None, 500.0),
        )
    ).collect()

    fridges = row(table, product_category=FRIDGE, material="metals.ferrous", region="JP-27")

    assert (fridges["placed_on_market_t"], fridges["collected_t"]) == (0.0, 30.0)
    assert fridges["collection_rate"] is None  # nothing placed on the market: no rate, never NaN or inf
    assert fridges["closed_loop_share_of_recycled"] is None
    assert table.filter(pl.col("placed_on_market_t") > 0).is_empty()  # the untagged 500 t are in no row


def test_flows_without_the_product_column_give_an_empty_table() -> None:
    old = flows(*CANS).drop("product_category")

    assert compute_product_circularity(old).collect().is_empty()
