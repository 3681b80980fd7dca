"""The regional marts on small examples worked out by hand: one transfer, counted where it is a transfer."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from schemas.tables import TABLES, unsuppressed
from transforms.regional import compute_regional_balance, compute_regional_flows

OSAKA, HYOGO, TOKYO = "JP-27", "JP-28", "JP-13"
KINKI, KANTO = "JP-B-KINKI", "JP-B-KANTO"


def flows(*rows: tuple[str, str, str | None, str | None, str, str, float]) -> pl.LazyFrame:
    """(member, region, origin, destination, source stage, target stage, tonnes) of plastics.pet in FY2024."""
    frame = pl.DataFrame(
        list(rows),
        schema=[
            "member_id",
            "region",
            "origin_region",
            "destination_region",
            "source_stage",
            "target_stage",
            "quantity_t",
        ],
        orient="row",
    )
    return frame.lazy().with_columns(
        pl.lit("FY2024").alias("period"),
        pl.lit(date(2024, 4, 1)).alias("period_start"),
        pl.lit(date(2025, 3, 31)).alias("period_end"),
        pl.lit("fiscal_year").alias("grain"),
        pl.lit("plastics.pet").alias("material"),
        pl.lit("plastics").alias("material_group"),
    )


def transfers(table: pl.DataFrame, *, material_level: str = "all") -> dict[tuple[str, str, str], float]:
    rows = table.filter(material_level=material_level).to_dicts()
    return {(r["region_level"], r["origin_region"], r["destination_region"]): r["quantity_t"] for r in rows}


def balance(table: pl.DataFrame, *, route: str = "all", material_level: str = "all") -> dict[str, tuple[float, ...]]:
    """Region → (generated, treated inside, sent out, received)."""
    rows = table.filter(route=route, material_level=material_level).to_dicts()
    return {r["region"]: (r["generated_t"], r["treated_inside_t"], r["sent_out_t"], r["received_t"]) for r in rows}


def test_a_transfer_inside_a_bloc_is_one_prefecture_transfer_and_domestic_at_national_level() -> None:
    # Osaka's 120 t of waste plastics recycled in Hyogo; both prefectures are in Kinki.
    osaka_to_hyogo = flows(("osaka-city", OSAKA, OSAKA, HYOGO, "use", "recycling", 120.0))
    regional = compute_regional_flows(osaka_to_hyogo).collect()
    assert regional.schema == unsuppressed(TABLES["mart.regional_flows"])
    # once at prefecture level, not at all at bloc level (both ends are in Kinki)
    assert transfers(regional) == {("prefecture", OSAKA, HYOGO): 120.0}
    assert set(regional.get_column("material_level")) == {"leaf", "group", "all"}

    table = compute_regional_balance(osaka_to_hyogo).collect()
    assert table.schema == unsuppressed(TABLES["mart.regional_balance"])
    assert balance(table) == {
        OSAKA: (120.0, 0.0, 120.0, 0.0),
        HYOGO: (0.0, 0.0, 0.0, 120.0),
        KINKI: (120.0, 120.0, 0.0, 0.0),  # inside the bloc's own balance: neither sent nor received
        "all": (120.0, 120.0, 0.0, 0.0),  # domestic
    }
    assert balance(table, route="recycling") == balance(table)
    assert balance(table, material_level="group") == balance(table)


def test_a_transfer_between_blocs_is_also_a_bloc_transfer() -> None:
    osaka_to_tokyo = flows(("osaka-city", OSAKA, OSAKA, TOKYO, "use", "landfill", 50.0))
    assert transfers(compute_regional_flows(osaka_to_tokyo).collect()) == {
        ("prefecture", OSAKA, TOKYO): 50.0,
        ("bloc", KINKI, KANTO): 50.0,
    }
    table = compute_regional_balance(osaka_to_tokyo).collect()
    assert balance(table, route="landfill") == {
        OSAKA: (50.0, 0.0, 50.0, 0.0),
        TOKYO: (0.0, 0.0, 0.0, 50.0),
        KINKI: (50.0, 0.0, 50.0, 0.0),
        KANTO: (0.0, 0.0, 0.0, 50.0),
        "all": (50.0, 50.0, 0.0, 0.0),
    }


def test_self_sufficiency_is_treated_inside_over_generated_with_every_member_counted() -> None:
    # Osaka: city A treats 60 t at home and sends 40 t to Hyogo; company B sends 100 t to Hyogo's incinerator.
    table = compute_regional_balance(
        flows(
            ("city-a", OSAKA, None, None, "use", "recycling", 60.0),  # blank ends: the row's region, inside
            ("city-a", OSAKA, OSAKA, HYOGO, "use", "recycling", 40.0),
            ("company-b", OSAKA, OSAKA, HYOGO, "manufacturing", "treatment", 100.0),
        )
    ).collect()
    osaka = table.filter(region=OSAKA, route="all", material_level="all").row(0, named=True)
    assert (osaka["generated_t"], osaka["treated_inside_t"], osaka["sent_out_t"]) == (200.0, 60.0, 140.0)
    assert osaka["self_sufficiency_rate"] == pytest.approx(60.0 / 200.0)
    assert osaka["contributors"] == 2
    recycling = table.filter(region=OSAKA, route="recycling", material_level="all").row(0, named=True)
    assert recycling["self_sufficiency_rate"] == pytest.approx(60.0 / 100.0)
    assert recycling["contributors"] == 1
    hyogo = table.filter(region=HYOGO, route="all", material_level="all").row(0, named=True)
    assert (hyogo["received_t"], hyogo["generated_t"], hyogo["self_sufficiency_rate"]) == (140.0, 0.0, None)


def test_imports_and_exports_cross_the_national_border_and_only_treatment_is_in_the_balance() -> None:
    rows = flows(
        ("steel-co", OSAKA, "CN", OSAKA, "import", "production", 300.0),  # not waste: no balance row
        ("city-a", OSAKA, OSAKA, "KR", "collection", "recycling", 20.0),  # recycled abroad
        ("city-a", OSAKA, OSAKA, OSAKA, "use", "collection", 20.0),  # collection is not a treatment
    )
    assert transfers(compute_regional_flows(rows).collect()) == {
        ("prefecture", "CN", OSAKA): 300.0,
        ("bloc", "CN", KINKI): 300.0,
        ("prefecture", OSAKA, "KR"): 20.0,
        ("bloc", KINKI, "KR"): 20.0,
    }
    table = compute_regional_balance(rows).collect()
    # no row for a foreign country: it is not a region of the hierarchy
    assert balance(table) == {
        OSAKA: (20.0, 0.0, 20.0, 0.0),
        KINKI: (20.0, 0.0, 20.0, 0.0),
        "all": (20.0, 0.0, 20.0, 0.0),
    }


def test_a_treatment_residue_counts_again_on_its_own_route() -> None:
    # 100 t incinerated in Osaka; its 15 t of ash landfilled in Hyogo.
    table = compute_regional_balance(
        flows(
            ("city-a", OSAKA, OSAKA, OSAKA, "use", "treatment", 100.0),
            ("city-a", OSAKA, OSAKA, HYOGO, "treatment", "landfill", 15.0),
        )
    ).collect()
    assert balance(table, route="treatment")[OSAKA] == (100.0, 100.0, 0.0, 0.0)
    assert balance(table, route="landfill")[OSAKA] == (15.0, 0.0, 15.0, 0.0)
    assert balance(table)[OSAKA] == (115.0, 100.0, 15.0, 0.0)


def test_rows_without_origin_and_destination_columns_stay_in_their_region() -> None:
    # core.flows written before flows had the two columns
    old = flows(("city-a", OSAKA, None, None, "use", "recycling", 10.0)).drop("origin_region", "destination_region")
    assert compute_regional_flows(old).collect().is_empty()
    assert balance(compute_regional_balance(old).collect())[OSAKA] == (10.0, 10.0, 0.0, 0.0)
