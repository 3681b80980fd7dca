"""Obligations are rebuilt when what they are built from changed, and left alone when nothing did.

A flows file feeds the obligation tables (`schemas.datasets`) but changes nothing they read: its run skips them.
To tell a skip from a rebuild that came out the same, each test first cuts `core.member_obligations` down to one
row while keeping the fingerprint it was built from: a skip leaves the cut table, a rebuild restores every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.obligations import publish_obligations
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

AS_OF = date(2026, 3, 31)
CITY, COMPANY = "city-a", "corp-b"
OBLIGATIONS = "core.member_obligations"
PLANS = "\n".join(
    [
        "member_id,plan_name,revised_on,includes_ce_target,url",
        "city-a,第3次環境基本計画,2021-03-31,いいえ,https://city-a.example/plan3",
    ]
)
FLOWS = "\n".join(
    [
        "member_id,period,material,source_stage,target_stage,quantity,unit",
        "corp-b,FY2024,plastics.pet,import,production,120,t",
    ]
)


@pytest.fixture
def resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    built = build_resources(Settings(home=home))
    for member_id, kind in ((CITY, "municipality"), (COMPANY, "company")):
        member = Member(member_id=member_id, name=member_id, kind=kind, region="JP-40", joined_on=date(2023, 4, 1))
        built.ledger.add_member(member)
    yield built
    built.close()


def _ingest(resources: Resources, tmp_path: Path, member_id: str, dataset: str, text: str) -> None:
    path = tmp_path / f"{dataset}.csv"
    path.write_text(text, encoding="utf-8")
    key = keys.inbox_key(member_id, dataset, path.name)
    resources.storage.put_file(key, path)
    outcomes = validate_submissions(resources, register_keys(resources, [key], RunSummary()))
    assert [outcome.counts.accepted for outcome in outcomes] == [1]


def _cut_keeping_its_fingerprint(resources: Resources) -> None:
    warehouse = resources.warehouse
    one_row = warehouse.read(OBLIGATIONS).head(1)
    warehouse.replace(OBLIGATIONS, one_row, match={}, built_from=warehouse.built_from(OBLIGATIONS))


def test_obligations_built_from_the_same_inputs_are_not_rebuilt(resources: Resources, tmp_path: Path) -> None:
    _ingest(resources, tmp_path, CITY, "plans", PLANS)
    assert publish_obligations(resources, as_of=AS_OF)[OBLIGATIONS] == 2 * 7  # every member × every obligation
    _cut_keeping_its_fingerprint(resources)
    _ingest(resources, tmp_path, COMPANY, "flows", FLOWS)  # feeds the obligation tables, changes nothing they read

    assert publish_obligations(resources, as_of=AS_OF)[OBLIGATIONS] == 1
    assert resources.warehouse.read(OBLIGATIONS).height == 1  # left as it was: not rebuilt


def _new_plan(resources: Resources, tmp_path: Path) -> date:
    _ingest(resources, tmp_path, CITY, "plans", PLANS.replace("2021-03-31", "2025-03-31").replace("いいえ", "はい"))
    return AS_OF


def _new_member(resources: Resources, tmp_path: Path) -> date:
    resources.ledger.add_member(Member("univ-a", "univ-a", "university", "JP-40", date(2024, 4, 1)))
    return AS_OF


def _another_day(resources: Resources, tmp_path: Path) -> date:
    return date(2026, 4, 1)


def _written_by_something_else(resources: Resources, tmp_path: Path) -> date:
    rows = resources.warehouse.read(OBLIGATIONS)
    resources.warehouse.replace(OBLIGATIONS, rows, match={})  # the same rows, without saying what they came from
    return AS_OF


@pytest.mark.parametrize("change", [_new_plan, _new_member, _another_day, _written_by_something_else])
def test_a_changed_input_rebuilds_the_obligations(
    resources: Resources, tmp_path: Path, change: Callable[[Resources, Path], date]
) -> None:
    _ingest(resources, tmp_path, CITY, "plans", PLANS)
    publish_obligations(resources, as_of=AS_OF)
    _cut_keeping_its_fingerprint(resources)

    as_of = change(resources, tmp_path)
    counts = publish_obligations(resources, as_of=as_of)

    members = resources.warehouse.read(OBLIGATIONS).get_column("member_id").unique().len()
    assert counts[OBLIGATIONS] == resources.warehouse.read(OBLIGATIONS).height == members * 7  # rebuilt whole
    assert members == (3 if change is _new_member else 2)
    plan = resources.warehouse.read(OBLIGATIONS).filter(
        (pl.col("member_id") == CITY) & (pl.col("obligation") == "plan_includes_target")
    )
    assert plan.height == 1
