"""Members' disclosure classes in the ledger: defaults by kind, a history of choices, the class on any day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from infra.ledger import DisclosureChange, Ledger, Member

CITY = "city-kitakyushu"
ASSOCIATION = "jp-paper-cycle"
COMPANY = "minato-shigen"
UNIVERSITY = "univ-kyushu"
JOINED = date(2023, 4, 1)


@pytest.fixture
def members(ledger: Ledger) -> Ledger:
    for member_id, kind in (
        (CITY, "municipality"),
        (ASSOCIATION, "industry_association"),
        (COMPANY, "company"),
        (UNIVERSITY, "university"),
    ):
        ledger.add_member(Member(member_id, member_id, kind, "JP-40", JOINED))
    return ledger


def test_the_migration_creates_the_history_table(ledger: Ledger) -> None:
    inspector = sa.inspect(ledger.engine)
    columns = {column["name"] for column in inspector.get_columns("member_disclosures")}
    assert columns == {"id", "member_id", "dataset", "disclosure_class", "consented_on", "recorded_at"}
    [foreign_key] = inspector.get_foreign_keys("member_disclosures")
    assert (foreign_key["referred_table"], foreign_key["constrained_columns"]) == ("members", ["member_id"])


def test_without_a_choice_each_member_has_the_default_of_its_kind(members: Ledger) -> None:
    expected = {CITY: "public", ASSOCIATION: "public", COMPANY: "confidential", UNIVERSITY: "confidential"}
    assert members.disclosure_classes(dataset="flows") == expected
    assert members.disclosure_classes(dataset="progress", as_of=date(2020, 1, 1)) == expected
    assert list(members.disclosure_classes(dataset="flows")) == sorted(expected)  # by member id
    assert members.disclosure_history(COMPANY) == []


def test_a_consent_applies_from_its_day_and_only_to_its_dataset(members: Ledger) -> None:
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=date(2024, 4, 1))

    assert members.disclosure_classes(dataset="flows", as_of=date(2024, 3, 31))[COMPANY] == "confidential"
    assert members.disclosure_classes(dataset="flows", as_of=date(2024, 4, 1))[COMPANY] == "public"
    assert members.disclosure_classes(dataset="flows")[COMPANY] == "public"  # today
    assert members.disclosure_classes(dataset="progress")[COMPANY] == "confidential"
    assert members.disclosure_class(COMPANY, dataset="flows", as_of=date(2024, 4, 1)) == "public"
    assert members.disclosure_class(COMPANY, dataset="flows", as_of=date(2024, 3, 31)) == "confidential"


def test_a_consent_dated_in_the_future_does_not_apply_today(members: Ledger) -> None:
    tomorrow = date.today() + timedelta(days=1)
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=tomorrow)
    members.set_disclosure_class(CITY, "flows", "confidential", consented_on=tomorrow)

    today = members.disclosure_classes(dataset="flows")
    assert (today[COMPANY], today[CITY]) == ("confidential", "public")
    then = members.disclosure_classes(dataset="flows", as_of=tomorrow)
    assert (then[COMPANY], then[CITY]) == ("public", "confidential")


def test_the_latest_day_wins_then_the_latest_recorded(members: Ledger) -> None:
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=date(2024, 4, 1))
    members.set_disclosure_class(COMPANY, "flows", "confidential", consented_on=date(2025, 4, 1))
    # Recorded last but dated earlier: the change of 2025-04-01 still wins from that day on.
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=date(2023, 4, 1))

    def on(day: date) -> str:
        return members.disclosure_classes(dataset="flows", as_of=day)[COMPANY]

    assert [on(date(2023, 3, 31)), on(date(2023, 4, 1)), on(date(2024, 4, 1)), on(date(2025, 4, 1))] == [
        "confidential",
        "public",
        "public",
        "confidential",
    ]
    # Two choices for the same day: the one recorded later wins.
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=date(2025, 4, 1))
    assert on(date(2025, 4, 1)) == "public"
    assert members.disclosure_class(COMPANY, dataset="flows", as_of=date(2025, 4, 1)) == "public"


def test_history_lists_every_choice_in_the_order_recorded(members: Ledger) -> None:
    members.set_disclosure_class(COMPANY, "flows", "public", consented_on=date(2024, 4, 1))
    members.set_disclosure_class(COMPANY, "progress", "public", consented_on=date(2024, 5, 1))
    members.set_disclosure_class(CITY, "flows", "confidential", consented_on=date(2024, 6, 1))

    history = members.disclosure_history(COMPANY)

    assert [(one.dataset, one.disclosure_class, one.consented_on) for one in history] == [
        ("flows", "public", date(2024, 4, 1)),
        ("progress", "public", date(2024, 5, 1)),
    ]
    assert all(isinstance(one, DisclosureChange) and one.member_id == COMPANY for one in history)
    assert history[0].recorded_at <= history[1].recorded_at
    assert history[0].recorded_at.tzinfo is not None
    assert members.disclosure_history("nobody") == []


def test_bad_datasets_classes_and_members_are_clear_errors(members: Ledger) -> None:
    with pytest.raises(ValueError, match="dataset 'targets' has no disclosure classes; choose one of: flows, progress"):
        members.set_disclosure_class(COMPANY, "targets", "public", consented_on=JOINED)
    with pytest.raises(ValueError, match="disclosure class 'secret' must be one of: confidential, public"):
        members.set_disclosure_class(COMPANY, "flows", "secret", consented_on=JOINED)
    with pytest.raises(ValueError, match="member 'ghost' is not registered; add the member first"):
        members.set_disclosure_class("ghost", "flows", "public", consented_on=JOINED)
    with pytest.raises(ValueError, match="dataset 'targets' has no disclosure classes"):
        members.disclosure_classes(dataset="targets")
    with pytest.raises(ValueError, match="member 'ghost' is not registered"):
        members.disclosure_class("ghost", dataset="flows")
    assert members.disclosure_history(COMPANY) == []  # nothing recorded by the refused calls
