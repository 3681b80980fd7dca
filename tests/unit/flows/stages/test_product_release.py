"""Products in flows go public like every flow table: a run drafts `mart.product_circularity`, a release publishes it.

It is one more table of the flows' joint pass: its draft and release come with the other flow tables, the member cells
a release records carry the product, and a release made before the table existed (no tag of it) protects the next
release without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period, release_tag
from flows.stages.receive import register_keys
from flows.stages.release import release_periods
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

HEADER = "member_id,period,material,製品区分,source_stage,target_stage,quantity,unit,region,destination_region"
CAN = "アルミ缶"  # packaging.aluminium_can, as an office writes it
TABLE = "mart.product_circularity"
CAN_MAKERS = ("can-a", "can-b", "can-c")
FIBRE_MAKERS = ("fibre-a", "fibre-b", "fibre-c")


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in (*CAN_MAKERS, "bottler", *FIBRE_MAKERS):
        built.ledger.add_member(Member(member_id, member_id, "company", "JP-13", date(2023, 4, 1)))
    yield built
    built.close()


def report(resources: Resources, tmp_path: Path, rows: dict[str, list[str]]) -> None:
    """Each member's FY2024 flows, as a CSV in its inbox, validated; then the period's drafts rebuilt."""
    uploaded = []
    for member_id, lines in rows.items():
        path = tmp_path / f"{member_id}-flows.csv"
        path.write_text("\n".join([HEADER, *(f"{member_id},FY2024,{line}" for line in lines)]) + "\n", encoding="utf-8")
        key = keys.inbox_key(member_id, "flows", path.name)
        resources.storage.put_file(key, path)
        uploaded.append(key)
    validate_submissions(resources, register_keys(resources, uploaded, RunSummary()))
    publish_period(resources, "FY2024")


# Three can makers: 100 t of cans each placed on the market in Tokyo, 60 t each recycled back into cans; the
# bottler alone recycles 40 t of bottles into bottles, among three makers of fibre from recycled PET (no product).
FLOWS = {
    **{
        member: [
            f"metals.aluminium,{CAN},manufacturing,use,100,t,JP-13,",
            f"metals.aluminium,{CAN},recycling,manufacturing,60,t,JP-13,",
        ]
        for member in CAN_MAKERS
    },
    "bottler": ["plastics.pet,packaging.pet_bottle,recycling,manufacturing,40,t,JP-13,"],
    **{member: ["plastics.pet,,recycling,manufacturing,50,t,JP-13,"] for member in FIBRE_MAKERS},
}


def closed_loops(resources: Resources, table: str, *, tag: str | None = None) -> list[tuple[object, ...]]:
    frame = resources.warehouse.read(table, where={"period": ["FY2024"]}, tag=tag)
    leaves = frame.filter(product_level="leaf", material_level="all", region_level="all")
    return leaves.select(
        "product_category", "closed_loop_t", "closed_loop_share_of_placed", "suppression_reason"
    ).rows()


def test_a_run_drafts_the_product_table_and_a_release_publishes_it_with_the_flow_tables(
    resources: Resources, tmp_path: Path
) -> None:
    report(resources, tmp_path, FLOWS)

    draft = closed_loops(resources, "draft.product_circularity")
    assert draft == [
        ("packaging.aluminium_can", 180.0, 0.6, None),
        ("packaging.pet_bottle", None, None, "few_contributors"),  # the bottler alone
    ]
    assert resources.warehouse.read(TABLE).is_empty(), "a run changed a public table"

    [first] = release_periods(resources, ["FY2024"], released_by="tester")

    assert closed_loops(resources, TABLE, tag=release_tag("FY2024", first.release)) == draft
    cells = resources.warehouse.read("core.released_cells")
    assert set(cells.get_column("product_category").to_list()) == {
        "packaging.aluminium_can",
        "packaging.pet_bottle",
        None,  # the fibre makers' recycled PET names no product
    }
    summary = resources.warehouse.read("mart.publication_summary").filter(table_name=TABLE)
    withheld = summary.filter(pl.col("suppressed")).get_column("n_cells").sum()
    assert withheld > 0  # the bottler's values, counted by reason
    assert summary.filter(~pl.col("suppressed")).get_column("headline_cells").sum() > 0


def test_a_release_made_before_the_product_table_existed_protects_the_next_one(
    resources: Resources, tmp_path: Path
) -> None:
    report(resources, tmp_path, FLOWS)
    [first] = release_periods(resources, ["FY2024"], released_by="tester")
    # As a release of an earlier version of junkan: every flow table tagged, but no product table yet.
    tag = release_tag("FY2024", first.release)
    resources.warehouse.table(TABLE).manage_snapshots().remove_tag(tag).commit()
    assert tag not in resources.warehouse.tags(TABLE)

    [second] = release_periods(resources, ["FY2024"], released_by="tester")

    assert second.release == 2
    assert closed_loops(resources, TABLE) == [
        ("packaging.aluminium_can", 180.0, 0.6, None),
        ("packaging.pet_bottle", None, None, "few_contributors"),
    ]
    # Release 1 published no product values: the totals that would give the bottler back (220 t of closed loops
    # minus the cans' 180 t) are still withheld, not taken as known to the attacker and left unprotected.
    totals = resources.warehouse.read(TABLE).filter(product_category="all", material="all", region="all")
    assert totals.select("closed_loop_t", "suppression_reason").rows() == [(None, "secondary")]
