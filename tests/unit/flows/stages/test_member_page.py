"""A member's own page: its targets beside the published progress of its kind (issue 29, point 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from flows.stages.member_page import targets_beside_kind
from schemas.tables import TABLES
from tests.portal_helpers import Portal, make_portal


def _rows(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of a table, every column not given left empty."""
    schema = TABLES[table]
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    built = make_portal(tmp_path, portal_ingest="events")  # city-a is a municipality, corp-b a company
    own = _rows(
        "core.target_progress",
        [
            {"member_id": "city-a", "target_id": "t1", "indicator": "input_cyclical_use_rate", "progress_ratio": 0.25},
            {"member_id": "city-a", "target_id": "t2", "indicator": "final_disposal", "progress_ratio": 0.6},
            {"member_id": "city-a", "target_id": "t3", "indicator": "recovery_rate", "progress_ratio": None},
        ],
    ).with_columns(pl.lit(value=True).alias("is_current_version"))
    built.resources.warehouse.replace("core.target_progress", own, match={})
    # Released per kind: the municipalities' input rate (4 targets, 3 on track, median 50 %), their final disposal
    # withheld (too few members); the companies' figure for the same indicator must not be shown to a city.
    published = _rows(
        "mart.target_progress",
        [
            {"indicator": "input_cyclical_use_rate", "member_kind": "municipality", "contributors": 4, "n_targets": 4,
             "n_on_track": 3, "median_progress_ratio": 0.5, "suppressed": False},
            {"indicator": "input_cyclical_use_rate", "member_kind": "company", "contributors": 9, "n_targets": 9,
             "n_on_track": 8, "median_progress_ratio": 0.9, "suppressed": False},
            {"indicator": "final_disposal", "member_kind": "municipality", "contributors": 1, "suppressed": True,
             "suppression_reason": "few_contributors"},
        ],
    )  # fmt: skip
    built.resources.warehouse.replace("mart.target_progress", published, match={})
    return built


def test_each_target_sits_beside_its_kinds_published_progress(portal: Portal) -> None:
    found = targets_beside_kind(portal.resources, "city-a", "municipality").sort("target_id")
    assert found.select(
        "target_id",
        "progress_ratio",
        "kind_n_targets",
        "kind_n_on_track",
        "kind_median_progress_ratio",
        "kind_suppressed",
    ).rows() == [
        ("t1", 0.25, 4, 3, 0.5, False),
        ("t2", 0.6, None, None, None, True),
        ("t3", None, None, None, None, None),  # nothing released for its indicator
    ]


def test_the_data_page_shows_the_kinds_figure_or_that_it_is_withheld(portal: Portal) -> None:
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    page = client.get("/member/data").text
    assert "同じ種別の会員（公表値）" in page
    assert "進捗率の中央値 50.0%（4 件中 3 件が順調）" in page
    assert '<td class="kind">秘匿</td>' in page
    assert "90.0%" not in page  # the companies' median
