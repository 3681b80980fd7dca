"""ISO 59020-style inflow and outflow shares, worked out by hand on a small flow set."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from schemas.tables import CIRCULARITY_SHARES
from transforms.disclosure.joint import suppress_publication
from transforms.iso59020 import compute_circularity

INFLOW_SHARES = [name for name in CIRCULARITY_SHARES if name.startswith("inflow_")]
OUTFLOW_SHARES = [name for name in CIRCULARITY_SHARES if name.startswith("outflow_")]


def flows(rows: list[tuple[Any, ...]]) -> pl.LazyFrame:
    """(member, material, source_stage, target_stage, quantity_t, is_renewable) rows of period 2024, region JP."""
    frame = pl.DataFrame(
        rows,
        schema={
            "member_id": pl.String(),
            "material": pl.String(),
            "source_stage": pl.String(),
            "target_stage": pl.String(),
            "quantity_t": pl.Float64(),
            "is_renewable": pl.Boolean(),
        },
        orient="row",
    )
    return frame.with_columns(
        period=pl.lit("2024"),
        period_start=pl.lit(date(2024, 1, 1)),
        period_end=pl.lit(date(2024, 12, 31)),
        grain=pl.lit("year"),
        material_group=pl.col("material").str.extract(r"^([^.]+)", 1),
        region=pl.lit("JP"),
    ).lazy()


PLASTICS = [
    ("m1", "plastics.pet", "extraction", "production", 40.0, None),  # linear
    ("m1", "plastics.pet", "import", "production", 20.0, True),  # renewable (the flow says so)
    ("m1", "plastics.pet", "recycling", "production", 30.0, None),  # recycled
    ("m1", "plastics.pet", "reuse", "use", 10.0, None),  # reused
    ("m1", "plastics.pet", "use", "collection", 80.0, None),  # passes through: not a fate
    ("m1", "plastics.pet", "collection", "sorting", 75.0, None),  # passes through: not a fate
    ("m1", "plastics.pet", "sorting", "recycling", 40.0, None),
    ("m1", "plastics.pet", "sorting", "energy_recovery", 20.0, None),
    ("m1", "plastics.pet", "sorting", "landfill", 10.0, None),
    ("m1", "plastics.pet", "use", "reuse", 5.0, None),
    ("m1", "plastics.pet", "collection", "return_to_nature", 5.0, None),
    ("m1", "plastics.pet", "recycling", "landfill", 3.0, None),  # a recycler's residue: not counted again
    ("m1", "plastics.pet", "energy_recovery", "landfill", 2.0, None),  # ash: not counted again
]


def headline(frame: pl.LazyFrame) -> dict[str, Any]:
    return frame.filter(material_level="all", region_level="all").collect().row(0, named=True)


def test_shares_match_hand_arithmetic_and_each_set_sums_to_one() -> None:
    row = headline(compute_circularity(flows(PLASTICS)))
    # inflow = 40 + 20 + 30 + 10 = 100
    assert row["inflow_reused_t"] == 10.0
    assert [row[name] for name in INFLOW_SHARES] == [0.1, 0.3, 0.2, 0.4]
    # outflow (first fates) = recycling 40 + energy 20 + landfill 10 + reuse 5 + return to nature 5 = 80
    assert row["outflow_disposal_t"] == 10.0
    assert [row[name] for name in OUTFLOW_SHARES] == [5 / 80, 40 / 80, 5 / 80, 20 / 80, 10 / 80]
    assert sum(row[name] for name in INFLOW_SHARES) == pytest.approx(1.0)
    assert sum(row[name] for name in OUTFLOW_SHARES) == pytest.approx(1.0)
    assert row["contributors"] == 1


def test_biomass_is_renewable_unless_the_flow_says_otherwise() -> None:
    rows = [
        ("m1", "biomass.wood", "extraction", "production", 60.0, None),  # biomass: renewable by default
        ("m1", "biomass.wood", "import", "production", 15.0, False),  # the member says it is not
        ("m1", "paper", "extraction", "production", 25.0, None),  # not biomass: linear
    ]
    row = headline(compute_circularity(flows(rows)))
    assert (row["inflow_renewable_share"], row["inflow_linear_share"]) == (0.6, 0.4)
    group = compute_circularity(flows(rows)).filter(material="biomass", region_level="all").collect()
    assert group.select("inflow_renewable_t", "inflow_linear_t").row(0) == (60.0, 15.0)


def test_a_side_with_no_flows_has_null_shares_never_nan() -> None:
    row = headline(compute_circularity(flows([("m1", "paper", "extraction", "production", 5.0, None)])))
    assert row["inflow_linear_share"] == 1.0
    assert all(row[name] is None for name in OUTFLOW_SHARES)


def test_flows_without_the_renewable_column_read_as_unknown() -> None:
    frame = flows([("m1", "biomass.food", "extraction", "use", 5.0, None)]).drop("is_renewable")
    assert headline(compute_circularity(frame))["inflow_renewable_share"] == 1.0


def circularity_published(frame: pl.LazyFrame, *, public: frozenset[str] = frozenset()) -> pl.LazyFrame:
    """mart.material_circularity as the joint disclosure pass publishes it."""
    return suppress_publication(frame, public_members=public).tables["mart.material_circularity"].lazy()


def test_cells_of_too_few_members_are_suppressed_with_their_shares() -> None:
    two = flows([*PLASTICS, *[("m2", *row[1:]) for row in PLASTICS]])
    out = circularity_published(two).collect()
    assert out.get_column("suppressed").all()
    assert out.get_column("suppression_reason").unique().to_list() == ["few_contributors"]
    assert out.get_column("inflow_linear_share").is_null().all()
    three = flows([*PLASTICS, *[(member, *row[1:]) for member in ("m2", "m3") for row in PLASTICS]])
    shown = headline(circularity_published(three))
    assert (shown["suppressed"], shown["inflow_linear_share"], shown["contributors"]) == (False, 0.4, 3)
    # the same two members, public: nothing of theirs is confidential, so everything is published
    shown = headline(circularity_published(two, public=frozenset({"m1", "m2"})))
    assert (shown["suppressed"], shown["inflow_linear_share"], shown["contributors"]) == (False, 0.4, 2)
