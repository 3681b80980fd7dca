"""Importing members with disclosure classes, the class frame disclosure control reads, and the report's line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.stages.batch import validate_submissions
from flows.stages.members import disclosure_frame, import_members
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas import MEMBERS

COLUMNS = ("member_id", "name", "kind", "region", "joined_on", "disclosure", "consented_on")


def members_file(*rows: tuple[str | None, ...]) -> pl.DataFrame:
    """Member rows as text, as a reader returns a members file."""
    return pl.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows], schema=MEMBERS.read_schema)


FILE = members_file(
    ("city-a", "A市", "municipality", "JP-40", "2023-04-01", None, None),
    ("corp-public", "公開株式会社", "company", "JP-13", "2023-04-01", "public", "2024-04-01"),
    ("corp-joined", "入会時同意株式会社", "company", "JP-13", "2023-05-01", "Public", None),
    ("corp-quiet", "非公開株式会社", "company", "JP-13", "2023-04-01", None, None),
    ("assoc-out", "非公開協会", "industry_association", "JP", "2023-04-01", "confidential", "2024-01-01"),
    ("city-same", "B市", "municipality", "JP-40", "2023-04-01", "public", None),  # the default already
)


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    yield built
    built.close()


def history(resources: Resources, member_id: str) -> list[tuple[str, str, date]]:
    return [
        (one.dataset, one.disclosure_class, one.consented_on) for one in resources.ledger.disclosure_history(member_id)
    ]


def test_a_class_in_the_file_is_recorded_for_flows_and_progress_from_its_consent(resources: Resources) -> None:
    imported = import_members(resources, FILE, file="members.csv")

    assert (imported.report.counts.accepted, imported.n_created) == (6, 6)
    # corp-public, corp-joined and assoc-out changed on both datasets; city-same was public by default.
    assert imported.n_disclosure_changes == 6
    assert history(resources, "corp-public") == [
        ("flows", "public", date(2024, 4, 1)),
        ("progress", "public", date(2024, 4, 1)),
    ]
    assert history(resources, "corp-joined") == [  # no consent date: the day it joined
        ("flows", "public", date(2023, 5, 1)),
        ("progress", "public", date(2023, 5, 1)),
    ]
    assert history(resources, "assoc-out") == [
        ("flows", "confidential", date(2024, 1, 1)),
        ("progress", "confidential", date(2024, 1, 1)),
    ]
    assert history(resources, "city-same") == history(resources, "city-a") == history(resources, "corp-quiet") == []


def test_importing_the_same_file_again_adds_no_history(resources: Resources) -> None:
    import_members(resources, FILE, file="members.csv")
    before = {member_id: history(resources, member_id) for member_id in FILE["member_id"]}

    again = import_members(resources, FILE, file="members.csv")

    assert (again.n_created, again.n_disclosure_changes) == (0, 0)
    assert {member_id: history(resources, member_id) for member_id in FILE["member_id"]} == before


def test_an_old_file_imported_again_does_not_undo_a_later_change(resources: Resources) -> None:
    import_members(resources, FILE, file="members.csv")
    resources.ledger.set_disclosure_class("corp-public", "flows", "confidential", consented_on=date(2025, 4, 1))

    again = import_members(resources, FILE, file="members.csv")

    assert again.n_disclosure_changes == 0
    assert resources.ledger.disclosure_classes(dataset="flows", as_of=date(2025, 4, 1))["corp-public"] == "confidential"


def test_a_consent_date_that_is_not_a_date_registers_the_member_but_not_its_class(resources: Resources) -> None:
    raw = members_file(("corp-typo", "誤記株式会社", "company", "JP-13", "2023-04-01", "public", "2025-04-31"))

    imported = import_members(resources, raw, file="members.csv")

    assert imported.report.counts.accepted == 1
    assert resources.ledger.get_member("corp-typo") is not None
    assert history(resources, "corp-typo") == []  # not back-dated to the day it joined
    [refused] = imported.unreadable_consents
    assert (refused.row, refused.member_id, refused.value) == (2, "corp-typo", "2025-04-31")
    assert "consented_on '2025-04-31' is not a date" in refused.message_en
    assert "YYYY-MM-DD" in refused.message_ja


def test_an_unknown_class_is_refused_with_the_row(resources: Resources) -> None:
    raw = members_file(("corp-odd", "株式会社", "company", "JP-13", "2023-04-01", "secret", None))

    imported = import_members(resources, raw, file="members.csv")

    assert imported.report.counts.quarantined == 1
    [error] = imported.report.errors
    assert (error.row, error.column, error.value) == (2, "disclosure", "secret")
    assert "public or confidential" in error.message_en
    assert resources.ledger.get_member("corp-odd") is None


def test_disclosure_frame_gives_every_member_its_class_on_a_day(resources: Resources) -> None:
    import_members(resources, FILE, file="members.csv")

    today = disclosure_frame(resources)
    before_consent = disclosure_frame(resources, dataset="progress", as_of=date(2024, 3, 31))

    expected = pl.DataFrame(
        {
            "member_id": ["assoc-out", "city-a", "city-same", "corp-joined", "corp-public", "corp-quiet"],
            "kind": ["industry_association", "municipality", "municipality", "company", "company", "company"],
            "disclosure_class": ["confidential", "public", "public", "public", "public", "confidential"],
            "is_public": [False, True, True, True, True, False],
        }
    )
    assert_frame_equal(today, expected)
    assert before_consent["disclosure_class"].to_list() == [
        "confidential",
        "public",
        "public",
        "public",
        "confidential",  # corp-public consented from 2024-04-01
        "confidential",
    ]
    tomorrow = date.today() + timedelta(days=1)
    resources.ledger.set_disclosure_class("corp-quiet", "flows", "public", consented_on=tomorrow)
    assert not disclosure_frame(resources).filter(member_id="corp-quiet")["is_public"].item()


def test_the_member_report_states_the_flows_class(resources: Resources, tmp_path: Path) -> None:
    import_members(resources, FILE, file="members.csv")
    uploaded = []
    for member_id in ("corp-public", "corp-quiet"):
        path = tmp_path / f"{member_id}.csv"
        path.write_text(
            "member_id,period,material,source_stage,target_stage,quantity,unit\n"
            f"{member_id},FY2024,paper.cardboard,import,production,10,t\n",
            encoding="utf-8",
        )
        key = keys.inbox_key(member_id, "flows", path.name)
        resources.storage.put_file(key, path)
        uploaded.append(key)

    outcomes = validate_submissions(resources, register_keys(resources, uploaded, RunSummary()))

    pages = {outcome.member_id: resources.storage.get_bytes(outcome.report_key).decode() for outcome in outcomes}
    assert "公開 (public) — あなたの数値は公表値として扱われます" in pages["corp-public"]
    assert "Public (public) — your figures are treated as published values" in pages["corp-public"]
    assert "非公開 (confidential) — 3者未満・支配的なセルは秘匿されます" in pages["corp-quiet"]
    assert "公開 (public)" not in pages["corp-quiet"]
