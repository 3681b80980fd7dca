"""A member's preview: which values it feeds the draft would publish, with its own tonnes only."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from schemas.tables import TABLES
from transforms.member_preview import (
    PREVIEW_SCHEMA,
    pages_of,
    preview_counts,
    preview_frame,
    preview_member,
    preview_pages,
)
from transforms.publication import PUBLISHED_BUILDERS

PERIOD = {"period": "FY2024", "period_start": date(2024, 4, 1), "period_end": date(2025, 3, 31), "grain": "fiscal_year"}
FLOW = "plastics.pet | JP-14 | use → collection"


def member_cells(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """Member cells as flow_cells gives them, PET used → collected: (member, prefecture, tonnes)."""
    return pl.DataFrame(
        [
            {
                "member_id": member,
                **PERIOD,
                "material": "plastics.pet",
                "material_group": "plastics",
                "region": region,
                "origin_region": region,
                "destination_region": region,
                "source_stage": "use",
                "target_stage": "collection",
                "is_renewable": None,
                "quantity_t": tonnes,
            }
            for member, region, tonnes in rows
        ],
        schema_overrides={"is_renewable": pl.Boolean()},
    )


# One member alone in Kanagawa (JP-14), three in Tokyo (JP-13).
FLOWS = member_cells([("lone", "JP-14", 70.0), ("a", "JP-13", 30.0), ("b", "JP-13", 30.0), ("c", "JP-13", 30.0)])


def table(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Draft rows of a public table: the given columns, the rest null."""
    schema = TABLES[name]
    return pl.DataFrame([{**dict.fromkeys(schema), **PERIOD, **row} for row in rows], schema=schema)


def flows_row(region: str, tonnes: float | None, reason: str | None, contributors: int) -> dict[str, Any]:
    return {
        "material": "plastics.pet",
        "material_group": "plastics",
        "source_stage": "use",
        "target_stage": "collection",
        "region": region,
        "origin_region": region,
        "destination_region": region,
        "quantity_t": tonnes,
        "contributors": contributors,
        "suppressed": reason is not None,
        "suppression_reason": reason,
    }


def indicator_row(material: str, level: str, region: str, region_level: str, **values: Any) -> dict[str, Any]:
    reason = values.pop("reason", None)
    return {
        "material": material,
        "material_level": level,
        "region": region,
        "region_level": region_level,
        **values,
        "contributors": 4,
        "suppressed": reason is not None,
        "suppression_reason": reason,
    }


DRAFTS = {
    "mart.flows": table(
        "mart.flows", [flows_row("JP-13", 90.0, None, 3), flows_row("JP-14", None, "few_contributors", 1)]
    ),
    "mart.indicators": table(
        "mart.indicators",
        [
            indicator_row("all", "all", "all", "all", waste_generated_t=160.0),
            indicator_row("plastics", "group", "all", "all", waste_generated_t=160.0),
            indicator_row("all", "all", "JP-14", "prefecture", waste_generated_t=None, reason="few_contributors"),
            indicator_row("all", "all", "JP-B-KANTO", "bloc", waste_generated_t=160.0),
            # Published waste, a withheld input: the row is suppressed, the member's value is not.
            indicator_row(
                "plastics.pet",
                "leaf",
                "all",
                "all",
                waste_generated_t=160.0,
                natural_resource_input_t=None,
                reason="dominance",
            ),
        ],
    ),
}


def test_a_lone_members_cell_is_withheld_and_the_national_total_published() -> None:
    preview = preview_member("lone", FLOWS, DRAFTS)

    listed = preview.filter("is_listed").select(
        "table_name", "cell", "column", "own_quantity_t", "is_in_draft", "is_published", "suppression_reason"
    )
    assert listed.rows() == [
        ("mart.flows", FLOW, "quantity_t", 70.0, True, False, "few_contributors"),
        ("mart.indicators", "all | all", "waste_generated_t", 70.0, True, True, None),
        ("mart.indicators", "plastics | all", "waste_generated_t", 70.0, True, True, None),
    ]
    assert preview.schema == PREVIEW_SCHEMA
    assert preview.get_column("period").unique().to_list() == ["FY2024"]


def test_values_not_listed_are_judged_too_and_counted_per_table() -> None:
    preview = preview_member("lone", FLOWS, DRAFTS)
    indicators = preview.filter(pl.col("table_name") == "mart.indicators", ~pl.col("is_listed"))
    decided = {
        cell: (published, reason)
        for cell, published, reason in indicators.filter("is_in_draft")
        .select("cell", "is_published", "suppression_reason")
        .rows()
    }
    assert decided == {
        "all | JP-14": (False, "few_contributors"),
        "all | JP-B-KANTO": (True, None),
        "plastics.pet | all": (True, None),  # its row is suppressed for another value: this one is published
    }
    # The member's indicator values: 3 material levels x 3 region levels of waste generated; 2 are listed, 3
    # decided above, 4 are not in this hand-made draft. Its stage balance (2) and Sankey links (2) are not either.
    counts = preview_counts(preview)
    assert counts.rows() == [
        ("mart.stage_balance", 0, 0, 2),
        ("mart.indicators", 2, 1, 4),
        ("mart.sankey_links", 0, 0, 2),
    ]


def test_no_other_members_figures_are_in_the_preview() -> None:
    preview = preview_member("lone", FLOWS, DRAFTS)

    assert preview.get_column("own_quantity_t").unique().to_list() == [70.0]  # never 30, 90 or 160
    assert not preview.get_column("cell").str.contains("JP-13").any()
    assert "member_id" not in preview.columns
    assert "contributors" not in preview.columns


def test_a_member_without_cells_has_an_empty_preview() -> None:
    assert_frame_equal(preview_member("nobody", FLOWS, DRAFTS), pl.DataFrame(schema=PREVIEW_SCHEMA))


def test_every_value_is_found_in_drafts_made_by_the_publishing_builders() -> None:
    """Hand-made drafts aside: the preview's keys line up with the tables the builders really make."""
    flows = pl.concat(
        [FLOWS, member_cells([("lone", "JP-40", 5.0)]).with_columns(pl.lit("JP-13").alias("destination_region"))]
    )
    drafts = {
        name: build(flows.lazy())
        .collect()
        .with_columns(
            pl.lit(value=False).alias("suppressed"), pl.lit(None, dtype=pl.String).alias("suppression_reason")
        )
        for name, build in PUBLISHED_BUILDERS.items()
    }
    preview = preview_member("lone", flows, drafts)

    assert preview.get_column("is_in_draft").all()
    assert preview.get_column("is_published").all()
    # Collection is no treatment route (no regional balance), and nothing here is circular (no circularity).
    assert set(preview.get_column("table_name")) == {
        "mart.flows",
        "mart.stage_balance",
        "mart.indicators",
        "mart.sankey_links",
        "mart.regional_flows",
    }
    transfers = preview.filter(pl.col("table_name") == "mart.regional_flows").get_column("cell").to_list()
    assert "plastics.pet | JP-40 → JP-13" in transfers
    assert "plastics.pet | JP-40 | JP-40 → JP-13 | use → collection" in preview.get_column("cell").to_list()


def test_the_pages_list_and_count_what_the_whole_preview_holds() -> None:
    """`preview_pages` skips labelling the values a page only counts: it must agree with the whole preview."""
    flows = pl.concat([FLOWS, member_cells([("lone", "JP-13", 5.0), ("a", "JP-40", 2.0)])])
    built = {
        name: build(flows.lazy())
        .collect()
        .with_columns(
            pl.lit(value=False).alias("suppressed"), pl.lit(None, dtype=pl.String).alias("suppression_reason")
        )
        for name, build in PUBLISHED_BUILDERS.items()
    }
    for drafts in (DRAFTS, built, {}):
        members = ["lone", "a", "c", "nobody"]
        pages, whole = preview_pages(members, flows, drafts), pages_of(preview_frame(members, flows, drafts))

        assert_frame_equal(pages.listed, whole.listed)
        assert_frame_equal(pages.tallies, whole.tallies)
    # In the hand-made drafts: lone's PET in Kanagawa is withheld, its share of Tokyo's published, both listed.
    listed = preview_pages(["lone"], flows, DRAFTS).listed.filter(table_name="mart.flows")
    assert listed.select("cell", "own_quantity_t", "is_published").rows() == [
        ("plastics.pet | JP-13 | use → collection", 5.0, True),
        (FLOW, 70.0, False),
    ]
    tallies = preview_pages(["lone"], flows, DRAFTS).tallies
    assert tallies.get_column("n_values").sum() == preview_member("lone", flows, DRAFTS).height
