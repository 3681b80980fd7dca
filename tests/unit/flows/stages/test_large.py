"""A large file validated part by part ends exactly as the same file validated whole."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.stages.batch import is_large, validate_submissions
from flows.stages.large import judge_and_record_large
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

HEADER = "member_id,period,material,source_stage,target_stage,source,target,quantity,unit,region"
# 14 rows over two periods, in CP932 (Japanese process names). Row 2 and row 12 share a key: both are
# quarantined as duplicates, across parts. Depot receives 100 t (row 3) and sends 80 t on (row 13): the
# two rows are warned as unbalanced, across parts. Row 6 has a negative quantity, row 9 an unknown unit.
# Row 10 names no region: the member's registered one (JP-40) fills it.
ROWS = [
    "city-a,FY2024,plastics.pet,import,production,港,工場,100,t,JP-13",
    "city-a,FY2024,plastics.pet,use,collection,家庭,Depot,100,t,JP-13",
    "city-a,FY2024,paper,use,collection,家庭,回収所,40,t,JP-13",
    "city-a,FY2023,paper,use,collection,家庭,回収所,30,t,JP-13",
    "city-a,FY2023,metals,use,collection,家庭,回収所,-5,t,JP-13",
    "city-a,FY2023,metals,import,production,港,工場,7,t,JP-13",
    "city-a,FY2024,glass,import,production,港,工場,8,t,JP-13",
    "city-a,FY2024,glass,use,collection,家庭,回収所,9,lbs,JP-13",
    "city-a,FY2024,metals,import,production,港,工場,5000,kg,",
    "city-a,FY2023,glass,collection,landfill,回収所,処分場,3,t,JP-13",
    "city-a,FY2024,plastics.pet,import,production,港,工場,100,t,JP-13",
    "city-a,FY2024,plastics.pet,collection,recycling,Depot,再生工場,80,t,JP-13",
    "city-a,FY2023,paper,collection,recycling,回収所,再生工場,30,t,JP-13",
    "city-a,FY2024,paper,collection,recycling,回収所,再生工場,40,t,JP-13",
]


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(
        Member(member_id="city-a", name="city-a", kind="municipality", region="JP-40", joined_on=date(2023, 4, 1))
    )
    yield built
    built.close()


def submit(resources: Resources, tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "flows.csv"
    path.write_bytes(text.encode("cp932"))
    key = keys.inbox_key("city-a", "flows", "flows.csv")
    resources.storage.put_file(key, path)
    return register_keys(resources, [key], RunSummary())


def outcome_of(resources: Resources, tmp_path: Path, *, large: bool, text: str) -> dict[str, Any]:
    """Validate the file (in parts of 3 rows when `large`) and gather everything it left behind."""
    if large:
        resources.settings.validation_batch_bytes = 10  # every file is large
    waiting = submit(resources, tmp_path, text)
    (submission,) = [resources.ledger.get_submission(i) for i in waiting]
    assert submission is not None
    assert is_large(resources, submission) is large
    if large:
        outcome = judge_and_record_large(resources, submission, part_rows=3)
        assert outcome is not None
        outcomes = [outcome]
    else:
        outcomes = validate_submissions(resources, waiting)
    (only,) = outcomes
    report = json.loads(
        resources.storage.get_bytes(keys.report_key("city-a", "flows", only.submission_id, extension="json"))
    )
    quarantine_key = keys.quarantine_key("city-a", "flows", only.submission_id)
    quarantine = pl.read_parquet(io.BytesIO(resources.storage.get_bytes(quarantine_key)))
    return {
        "outcome": {k: v for k, v in asdict(only).items() if k not in ("submission_id", "report_key")},
        "report": {k: v for k, v in report.items() if k != "submission"},
        "quarantine": quarantine,
        "core": resources.warehouse.read("core.flows").drop("submission_id"),
        "ledger": [
            (s.status, s.counts.read, s.counts.accepted, s.counts.quarantined, s.counts.warnings, s.periods)
            for s in resources.ledger.submissions()
        ],
    }


def test_a_file_in_parts_ends_as_the_file_whole(tmp_path: Path) -> None:
    text = "\n".join([HEADER, *ROWS]) + "\n"
    results = []
    for large in (False, True):
        home = tmp_path / ("large" if large else "whole")
        home.mkdir()
        built = build_resources(Settings(home=home / "home"))
        built.ledger.add_member(
            Member(member_id="city-a", name="city-a", kind="municipality", region="JP-40", joined_on=date(2023, 4, 1))
        )
        try:
            results.append(outcome_of(built, home, large=large, text=text))
        finally:
            built.close()
    whole, parts = results

    # What the whole path says, worked out by hand from ROWS.
    assert whole["outcome"]["counts"]["read"] == 14
    assert whole["outcome"]["counts"]["quarantined"] == 4  # rows 2 and 12 (duplicates), 6 (negative), 9 (unit)
    assert whole["outcome"]["counts"]["warnings"] == 2  # rows 3 and 13: Depot 100 t in, 80 t out
    assert whole["outcome"]["periods"] == ("FY2023", "FY2024")
    assert sorted(whole["quarantine"]["source_row"].to_list()) == [2, 6, 9, 12]
    assert whole["core"].filter(pl.col("source_row") == 10)["region"].to_list() == ["JP-40"]

    assert parts["outcome"] == whole["outcome"]
    assert parts["report"] == whole["report"]
    assert parts["ledger"] == whole["ledger"]
    assert_frame_equal(parts["quarantine"].sort("source_row"), whole["quarantine"].sort("source_row"))
    assert_frame_equal(parts["core"], whole["core"])


def test_a_file_that_cannot_be_read_in_parts_falls_back_to_the_whole_path(resources: Resources, tmp_path: Path) -> None:
    # A quoted line break: only the row-by-row reader reads it exactly.
    text = "\n".join([HEADER, ROWS[0], 'city-a,FY2024,paper,use,collection,"家\n庭",回収所,40,t,JP-13']) + "\n"
    resources.settings.validation_batch_bytes = 10
    waiting = submit(resources, tmp_path, text)

    outcomes = validate_submissions(resources, waiting)

    assert [(o.status, o.counts.read, o.counts.accepted) for o in outcomes] == [("valid", 2, 2)]
    assert resources.warehouse.read("core.flows").height == 2
