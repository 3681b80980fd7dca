"""Publishing targets writes the public register with the other target tables, each member's progress by its class."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.targets import publish_targets
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from schemas.tables import TABLES
from tests.factories import make_progress, make_targets

JOINED = date(2023, 4, 1)


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id, name, kind in (("city-a", "A市", "municipality"), ("corp-b", "B株式会社", "company")):
        built.ledger.add_member(Member(member_id=member_id, name=name, kind=kind, region="JP-13", joined_on=JOINED))
    yield built
    built.close()


def test_the_register_is_published_whole_with_progress_only_where_public(resources: Resources) -> None:
    targets = make_targets(
        rows=[
            {"member_id": "city-a", "actions_url": "https://city-a.example.lg.jp/actions"},
            {"member_id": "corp-b", "actions_url": "https://corp-b.example.com/actions"},
        ],
        lineage=True,
    ).with_columns(
        pl.lit(date(2024, 5, 1)).alias("valid_from"),
        pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("valid_from_at"),
    )
    # Both report 0.14 for 2024 on 0.10 (2020) -> 0.20 (2030): (0.14 - 0.10) / 0.10 = 0.4 of the way.
    progress = make_progress(rows=[{"member_id": "city-a"}, {"member_id": "corp-b"}], lineage=True)
    resources.warehouse.replace("core.targets", targets.select(list(TABLES["core.targets"])), match={})
    resources.warehouse.replace("core.progress", progress.select(list(TABLES["core.progress"])), match={})

    rows = publish_targets(resources, as_of=date(2025, 6, 30))

    assert rows["mart.member_targets"] == 2
    register = resources.warehouse.read("draft.member_targets").sort("member_id")  # the next release's register
    # A municipality's progress is public by default, a company's confidential.
    assert register.select(
        "member_name", "member_kind", "actions_url", "latest_value", "progress_ratio", "suppression_reason"
    ).rows() == [
        ("A市", "municipality", "https://city-a.example.lg.jp/actions", 0.14, pytest.approx(0.4), None),
        ("B株式会社", "company", "https://corp-b.example.com/actions", None, None, "confidential"),
    ]
