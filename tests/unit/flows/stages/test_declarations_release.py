"""Declarations go public like flows: a run rebuilds `draft.recycled_content`, and only a release publishes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period, release_tag
from flows.stages.receive import register_keys
from flows.stages.release import releasable_periods, release_periods, releases
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

HEADER = (
    "member_id,period,product_category,material,net_mass,unit,recycled_pre_consumer_share,recycled_post_consumer_share"
)
PET = ("packaging.pet_bottle", "plastics.pet")
CAN = ("packaging.aluminium_can", "metals.aluminium")
TONNES = ("net_mass_t", "recycled_pre_consumer_t", "recycled_post_consumer_t", "third_party_verified_t")


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in ("corp-a", "corp-b", "corp-c", "corp-d", "corp-e"):
        built.ledger.add_member(Member(member_id, member_id, "company", "JP-13", date(2023, 4, 1)))
    yield built
    built.close()


def declare(resources: Resources, tmp_path: Path, rows: dict[str, tuple[tuple[str, str], float, str, str]]) -> None:
    """Each member's FY2024 declaration, as a CSV in its inbox, validated; then the period's drafts rebuilt."""
    uploaded = []
    for member_id, ((product, material), tonnes, pre, post) in rows.items():
        path = tmp_path / f"{member_id}-declarations.csv"
        path.write_text(
            f"{HEADER}\n{member_id},FY2024,{product},{material},{tonnes:g},t,{pre},{post}\n", encoding="utf-8"
        )
        key = keys.inbox_key(member_id, "declarations", path.name)
        resources.storage.put_file(key, path)
        uploaded.append(key)
    validate_submissions(resources, register_keys(resources, uploaded, RunSummary()))
    publish_period(resources, "FY2024")


def content(resources: Resources, table: str, *, tag: str | None = None) -> pl.DataFrame:
    frame = resources.warehouse.read(table, where={"period": ["FY2024"]}, tag=tag)
    return frame.filter(product_level="leaf", material_level="leaf").select(
        "product_category", "net_mass_t", "recycled_post_consumer_share", "contributors", "suppression_reason"
    )


def test_a_run_rebuilds_the_draft_and_a_release_publishes_it_protected(resources: Resources, tmp_path: Path) -> None:
    declare(
        resources,
        tmp_path,
        {
            "corp-a": (PET, 100.0, "0", "20%"),
            "corp-b": (PET, 110.0, "0", "25%"),
            "corp-c": (PET, 120.0, "0", "30%"),
            "corp-d": (CAN, 150.0, "0.1", "60%"),
        },
    )

    draft = content(resources, "draft.recycled_content").sort("product_category")
    assert draft.rows() == [
        ("packaging.aluminium_can", None, None, 1, "few_contributors"),  # corp-d alone
        ("packaging.pet_bottle", None, None, 3, "secondary"),  # or the packaging total would give corp-d back
    ]
    assert resources.warehouse.read("mart.recycled_content").is_empty(), "a run changed a public table"
    assert releasable_periods(resources) == ["FY2024"]  # declarations alone make a period releasable

    [first] = release_periods(resources, ["FY2024"], released_by="tester")

    released = content(resources, "mart.recycled_content", tag=release_tag("FY2024", first.release))
    assert released.sort("product_category").rows() == draft.rows()
    recorded = resources.warehouse.read("core.released_declaration_cells")
    assert sorted(set(recorded.get_column("member_id").to_list())) == ["corp-a", "corp-b", "corp-c", "corp-d"]
    assert set(recorded.get_column("measure").to_list()) == {"net", "pre_consumer", "post_consumer"}
    # The release notes count its values: no flows here, so only the recycled content's tonnes published.
    public = resources.warehouse.read("mart.recycled_content").select(TONNES)
    published = sum(public.height - count for count in public.null_count().row(0))
    assert releases(resources, "FY2024").filter(table_name="all").get_column("values_published").to_list() == [
        published
    ]
    assert published > 0

    # A second can maker arrives: two are still too few, and release 2 is protected against release 1.
    declare(resources, tmp_path, {"corp-e": (CAN, 140.0, "0", "50%")})
    [second] = release_periods(resources, ["FY2024"], released_by="tester")

    assert second.release == 2
    cans = content(resources, "mart.recycled_content").filter(product_category="packaging.aluminium_can")
    assert cans.rows() == [("packaging.aluminium_can", None, None, 2, "few_contributors")]
