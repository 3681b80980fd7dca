"""Fuzzing `junkan validate`'s path and a batched ingest: a bad file never crashes a run or touches another member."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.stages.batch import validate_submissions
from flows.stages.check import check_file, describe
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.rendering.member_report import member_report_html
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.errors import FileRejected
from tests.unit.fuzz.nasty import HEADER, NASTY
from tests.unit.fuzz.support import FUZZ, fuzz_stats

VALID_ROWS = [
    "city-a,FY2024,plastics.pet,import,production,,,100,t,,,",
    "city-a,FY2024,plastics.pet,use,collection,,,80,t,,,",
    "city-a,FY2024,plastics.pet,collection,landfill,,,50000,kg,,,",
]
CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from([",", '"', "\n", "\x00", "\ufeff", "-5", "1e400", "NaN", "FY2099", "<script>x</script>", "=1+1"]),
)
# Each example that gets past the reader costs one Great Expectations run (~1 s): fewer examples here, at most
# 40 (`make fuzz` judges thousands of files in batches in test_members_fuzz.py).
PIPELINE_FUZZ = settings(FUZZ, max_examples=min(max(FUZZ.max_examples // 8, 6), 40))


def test_check_file_reports_or_rejects_whatever_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))  # no ledger there: check_file must not create one
    with fuzz_stats("checking.check_file") as stats:

        @PIPELINE_FUZZ
        @given(
            edits=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 11), CELLS), max_size=4),
            encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp932", "utf-16"]),
            cut=st.one_of(st.none(), st.none(), st.integers(min_value=0)),
        )
        def check(edits: list[tuple[int, int, str]], encoding: str, cut: int | None) -> None:
            rows = [HEADER.split(","), *(row.split(",") for row in VALID_ROWS)]
            for row, column, value in edits:
                rows[row][column] = value
            data = "\n".join(",".join(row) for row in rows).encode(encoding, errors="replace")
            if cut is not None:
                data = data[: cut % (len(data) + 1)]
            path = tmp_path / "flows.csv"
            path.write_bytes(data)
            report = stats.attempt(lambda: check_file(path, member_id="city-a", dataset="flows"), file="flows.csv")
            assert not isinstance(report, FileRejected)  # check_file turns a rejection into a report
            assert report.counts.read == report.counts.accepted + report.counts.quarantined
            assert report.status in ("valid", "partially_valid", "rejected")
            if report.rejection is not None:
                assert report.rejection.message_en
                assert report.rejection.message_ja
            json.dumps(report.to_json())
            assert "<script>" not in member_report_html(report)
            assert "flows.csv" in describe(report)

        check()
    assert not (tmp_path / "home" / "junkan.db").exists()
    assert stats.crashed == 0
    assert stats.tried >= 6


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id, kind in (("city-a", "municipality"), ("corp-b", "company")):
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind=kind, region="JP-40", joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def test_hostile_files_in_the_same_batch_never_affect_another_member(resources: Resources, tmp_path: Path) -> None:
    uploads = {"a.csv": ("city-a", "\n".join([HEADER, *VALID_ROWS]).encode())}
    uploads |= {name: ("corp-b", data) for name, data in NASTY.items()}
    # corp-b also claims city-a's rows as its own: they must not land under city-a.
    uploads["spoof.csv"] = ("corp-b", "\n".join([HEADER, *VALID_ROWS]).encode())
    object_keys = []
    for name, (member_id, data) in uploads.items():
        path = tmp_path / name
        path.write_bytes(data)
        key = keys.inbox_key(member_id, "flows", name)
        resources.storage.put_file(key, path)
        object_keys.append(key)

    summary = RunSummary()
    with fuzz_stats("steps.isolation") as stats:
        waiting = register_keys(resources, object_keys, summary)
        outcomes = stats.attempt(lambda: validate_submissions(resources, waiting), file="(batch)")
    assert isinstance(outcomes, list)
    assert summary.refused_keys == {}
    by_file = {keys.parse_inbox_key(outcome.key).file_name: outcome for outcome in outcomes}
    assert set(by_file) == set(uploads)

    mine = by_file["a.csv"]
    assert (mine.status, mine.counts.read, mine.counts.accepted, mine.counts.quarantined) == ("valid", 3, 3, 0)
    core = resources.warehouse.read("core.flows", where={"member_id": ["city-a"]})
    assert core.height == 3
    assert set(core["submission_id"]) == {mine.submission_id}
    assert sorted(core["source_row"].to_list()) == [2, 3, 4]

    for name in NASTY:
        outcome = by_file.get(name)
        if outcome is None:
            continue
        assert outcome.counts.read == outcome.counts.accepted + outcome.counts.quarantined, name
        if outcome.status == "rejected" and outcome.counts.read == 0:
            assert outcome.message is not None
            assert outcome.message.startswith(name), (name, outcome.message)
    for name in ("random.csv", "bomb.xlsx", "deep.jsonl", "huge_int.jsonl", "cut.parquet", "wide.csv", "utf16.csv"):
        assert by_file[name].status == "rejected", name
    spoof = by_file["spoof.csv"]
    assert spoof.counts.accepted == 0  # rows naming another member are never accepted for the submitter
    assert (
        resources.warehouse.read("core.flows", where={"member_id": ["corp-b"]})
        .filter(pl.col("submission_id") == spoof.submission_id)
        .is_empty()
    )
