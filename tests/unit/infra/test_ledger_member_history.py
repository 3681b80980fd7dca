"""Members' kind and region history in the ledger: each change with its day, the kind and region on any day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from infra.ledger import Ledger, Member

JOINED = date(2023, 4, 1)
ASSOCIATION = "jp-paper-cycle"


@pytest.fixture
def association(ledger: Ledger) -> Ledger:
    ledger.add_member(Member(ASSOCIATION, "紙リサイクル協会", "industry_association", "JP-13", JOINED))
    return ledger


def kind_and_region(ledger: Ledger, day: date) -> tuple[str, str]:
    [member] = [one for one in ledger.members_on(day) if one.member_id == ASSOCIATION]
    return member.kind, member.region


def test_the_migration_creates_the_history_table(ledger: Ledger) -> None:
    inspector = sa.inspect(ledger.engine)
    columns = {column["name"] for column in inspector.get_columns("member_changes")}
    assert columns == {
        "id", "member_id", "kind_from", "kind_to", "region_from", "region_to", "changed_on", "recorded_at",
        "published_at",
    }  # fmt: skip


def test_each_day_has_the_kind_and_region_then_in_force(association: Ledger) -> None:
    first = association.change_member(ASSOCIATION, kind="company", region="JP-13", changed_on=date(2024, 4, 1))
    second = association.change_member(ASSOCIATION, kind="company", region="JP-14", changed_on=date(2025, 10, 1))
    assert first is not None
    assert second is not None
    assert association.change_member(ASSOCIATION, kind="company", region="JP-14", changed_on=date(2025, 11, 1)) is None

    assert kind_and_region(association, date(2024, 3, 31)) == ("industry_association", "JP-13")
    assert kind_and_region(association, date(2024, 4, 1)) == ("company", "JP-13")
    assert kind_and_region(association, date(2025, 10, 1)) == ("company", "JP-14")
    assert [change.describe() for change in association.member_changes(ASSOCIATION)] == [
        "jp-paper-cycle: kind industry_association → company, from 2024-04-01",
        "jp-paper-cycle: region JP-13 → JP-14, from 2025-10-01",
    ]


def test_the_default_disclosure_class_is_that_of_the_kind_on_the_day(association: Ledger) -> None:
    # An association's figures are public by default; once a company, they are not (an earlier release stays
    # reproducible with the class of its day).
    association.change_member(ASSOCIATION, kind="company", region="JP-13", changed_on=date(2025, 4, 1))

    assert association.disclosure_class(ASSOCIATION, dataset="flows", as_of=date(2025, 3, 31)) == "public"
    assert association.disclosure_classes(dataset="flows", as_of=date(2025, 3, 31)) == {ASSOCIATION: "public"}
    assert association.disclosure_class(ASSOCIATION, dataset="flows", as_of=date(2025, 4, 1)) == "confidential"
    assert association.disclosure_classes(dataset="progress") == {ASSOCIATION: "confidential"}


def test_a_change_is_dated_between_joining_or_the_last_change_and_today(association: Ledger) -> None:
    with pytest.raises(ValueError, match="a change applies from today or an earlier day"):
        association.change_member(
            ASSOCIATION, kind="company", region="JP-13", changed_on=date.today() + timedelta(days=1)
        )
    with pytest.raises(ValueError, match="cannot apply before 2023-04-01"):
        association.change_member(ASSOCIATION, kind="company", region="JP-13", changed_on=date(2023, 3, 31))
    association.change_member(ASSOCIATION, kind="company", region="JP-13", changed_on=date(2025, 4, 1))
    with pytest.raises(ValueError, match="cannot apply before 2025-04-01"):
        association.change_member(ASSOCIATION, kind="university", region="JP-13", changed_on=date(2024, 4, 1))
    with pytest.raises(ValueError, match="kind 'alien'"):
        association.change_member(ASSOCIATION, kind="alien", region="JP-13", changed_on=date(2025, 5, 1))


def test_a_run_marks_the_changes_it_rebuilt_the_obligations_after(association: Ledger) -> None:
    change = association.change_member(ASSOCIATION, kind="company", region="JP-13", changed_on=date(2025, 4, 1))
    assert change is not None
    assert [one.change_id for one in association.unpublished_member_changes()] == [change.change_id]

    association.mark_member_changes_published([change.change_id])

    assert association.unpublished_member_changes() == []
    [kept] = association.member_changes()
    assert kept.published_at is not None
