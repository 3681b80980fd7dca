"""A members file as the secretariat's clerk types it, changing kinds and regions (issue 26).

A row with 更新 はい changes the member's kind from its 変更日; a row without it is refused and changes nothing.
The obligations follow the kind of each day, and the change alone is work for the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.members import import_members
from flows.stages.obligations import compliance_tables
from flows.stages.publish import has_work
from infra.ledger import Member
from infra.readers import read_table
from infra.resources import Resources, build_resources
from infra.settings import Settings
from schemas import MEMBERS

JOINED = date(2024, 4, 1)


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(Member("corp-x", "X株式会社", "company", "JP-13", JOINED))
    built.ledger.add_member(Member("city-b", "B市", "municipality", "JP-40", JOINED))
    yield built
    built.close()


def members_csv(path: Path) -> Path:
    """Typed in Excel and saved as CSV on a Japanese PC: CP932, Japanese headers, はい for yes, 2026/4/1 dates."""
    lines = [
        "会員ID,団体名,種別,地域,入会日,更新,変更日",
        "corp-x,X株式会社,university,JP-13,2024/4/1,はい,2026/4/1",  # became a university body on 1 April
        "city-b,B市,municipality,JP-41,2024/4/1,,",  # a new region, without 更新: refused
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def test_a_members_file_changes_only_the_rows_that_say_update(resources: Resources, tmp_path: Path) -> None:
    raw = read_table(members_csv(tmp_path / "会員名簿_変更.csv"), MEMBERS).frame

    imported = import_members(resources, raw, file="会員名簿_変更.csv")

    assert (imported.n_registered, imported.n_created, imported.n_refused) == (1, 0, 1)
    [change] = imported.changes
    assert change.describe() == "corp-x: kind company → university, from 2026-04-01"
    [refused] = imported.refused_changes
    assert refused.row == 3
    assert refused.message_en.startswith(
        "city-b is registered as municipality in JP-40; this row says municipality in JP-41"
    )
    city = resources.ledger.get_member("city-b")
    assert city is not None
    assert city.region == "JP-40"
    # before the change it was a company, from its day a university
    kinds = {day: {m.member_id: m.kind for m in resources.ledger.members_on(day)}["corp-x"] for day in (
        date(2026, 3, 31), date(2026, 4, 1))}  # fmt: skip
    assert kinds == {date(2026, 3, 31): "company", date(2026, 4, 1): "university"}


def test_obligations_follow_the_kind_of_each_day_and_the_change_is_work_for_the_next_run(
    resources: Resources, tmp_path: Path
) -> None:
    assert not has_work(resources)  # a registry alone: a quiet night
    import_members(resources, read_table(members_csv(tmp_path / "members.csv"), MEMBERS).frame, file="members.csv")
    assert has_work(resources)  # the change alone: the next run rebuilds the obligations

    current, compliance = compliance_tables(resources, date.today())

    mine = current.filter(pl.col("member_id") == "corp-x")
    assert set(mine.get_column("member_kind")) == {"university"}
    statuses = dict(mine.select("obligation", "status").iter_rows())
    assert statuses["target_set"] == "not_applicable"
    assert statuses["project_started"] != "not_applicable"
    # FY2025 is judged on 31 March 2026, before the change: corp-x counts among the companies that must set a target
    fy2025 = compliance.filter(pl.col("fiscal_year") == "FY2025", pl.col("obligation") == "target_set")
    assert dict(fy2025.select("member_kind", "n_members").iter_rows()).get("company") == 1

    resources.ledger.mark_member_changes_published([one.change_id for one in resources.ledger.member_changes()])
    assert not has_work(resources)
