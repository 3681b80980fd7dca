"""Joining applications in the ledger: a decision is taken once, whatever the second decider read before."""

from __future__ import annotations

import pytest

from infra.ledger import JoinApplication, Ledger
from infra.ledger.session import now


def submitted(ledger: Ledger) -> JoinApplication:
    return ledger.add_join_application(
        organisation_name="北九州市",
        kind="municipality",
        region="JP-40",
        contact_name="環境 太郎",
        contact_email="kankyo@city.kitakyushu.example.lg.jp",
        commitments_accepted_at=now(),
    )


def test_an_application_is_decided_once_and_a_second_decision_changes_nothing(ledger: Ledger) -> None:
    application = submitted(ledger)

    first = ledger.decide_join_application(application.application_id, status="returned", decided_by="a", note="x")
    second = ledger.decide_join_application(application.application_id, status="approved", decided_by="b")

    assert first is not None
    assert (first.status, first.decided_by, first.note) == ("returned", "a", "x")
    assert second is None
    assert ledger.get_join_application(application.application_id) == first
    assert ledger.decide_join_application("app-unknown", status="approved", decided_by="b") is None


def test_only_an_approved_application_records_the_member_it_became(ledger: Ledger) -> None:
    application = submitted(ledger)
    with pytest.raises(ValueError, match="is not approved"):
        ledger.record_join_member(application.application_id, "city-a")
    assert ledger.join_applications(status="submitted") == [application]
