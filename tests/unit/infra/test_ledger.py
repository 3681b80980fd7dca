from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from infra.ledger import Ledger, Member
from schemas.outcomes import Counts

MEMBER = "city-kitakyushu"
OTHER = "univ-kyushu"
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def members(ledger: Ledger) -> Ledger:
    ledger.add_member(Member(MEMBER, "北九州市", "municipality", "JP-40", date(2023, 4, 1)))
    ledger.add_member(Member(OTHER, "九州大学", "university", "JP-40", date(2023, 4, 1)))
    return ledger


def _sha(n: int) -> str:
    return f"{n:064x}"


def _register(ledger: Ledger, n: int, *, member_id: str = MEMBER, dataset: str = "flows", minutes: int = 0) -> str:
    submission, created = ledger.register_submission(
        member_id=member_id,
        dataset=dataset,
        key=f"inbox/{member_id}/{dataset}/file{n}.csv",
        sha256=_sha(n),
        size=10 * n,
        received_at=T0 + timedelta(minutes=minutes),
    )
    assert created
    return submission.submission_id


def _validate(ledger: Ledger, submission_id: str, periods: list[str], *, status: str = "valid") -> None:
    ledger.record_validation(
        submission_id,
        status=status,  # type: ignore[arg-type]
        counts=Counts(read=3, accepted=2, quarantined=1, warnings=0),
        report_key=f"reports/{MEMBER}/flows/{submission_id}.html",
        periods=dict.fromkeys(periods, 1),
    )


def test_connect_migrates_once_and_again_is_a_no_op(database_url: str) -> None:
    first = Ledger.connect(database_url)
    second = Ledger.connect(database_url)  # a second process starting: upgrade finds head
    tables = set(sa.inspect(second.engine).get_table_names())
    with second.engine.connect() as connection:
        version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    first.close()
    second.close()

    assert {"members", "submissions", "submission_periods", "runs", "alembic_version"} <= tables
    assert version == "0008"


def test_add_member_creates_then_updates(ledger: Ledger) -> None:
    assert ledger.add_member(Member(MEMBER, "Kitakyushu", "municipality", "JP-40", date(2023, 4, 1)))
    assert not ledger.add_member(Member(MEMBER, "北九州市", "municipality", "JP", date(2020, 1, 1)))

    member = ledger.get_member(MEMBER)
    assert member is not None
    assert (member.name, member.region, member.joined_on) == ("北九州市", "JP", date(2023, 4, 1))
    assert member.created_at is not None
    assert member.created_at.tzinfo == UTC
    assert ledger.get_member("nobody") is None
    assert [m.member_id for m in ledger.list_members()] == [MEMBER]


def test_add_member_refuses_bad_ids_and_kinds(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="member_id"):
        ledger.add_member(Member("../evil", "x", "municipality", "JP", date(2023, 4, 1)))
    with pytest.raises(ValueError, match="kind 'alien'"):
        ledger.add_member(Member(MEMBER, "x", "alien", "JP", date(2023, 4, 1)))


def test_the_same_file_twice_is_one_submission(members: Ledger) -> None:
    first, created_first = members.register_submission(
        member_id=MEMBER, dataset="flows", key="inbox/city-kitakyushu/flows/a.csv", sha256=_sha(1), size=10
    )
    again, created_again = members.register_submission(
        member_id=MEMBER, dataset="flows", key="inbox/city-kitakyushu/flows/copy-of-a.csv", sha256=_sha(1), size=10
    )
    other_dataset, created_other = members.register_submission(
        member_id=MEMBER, dataset="targets", key="inbox/city-kitakyushu/targets/a.csv", sha256=_sha(1), size=10
    )

    assert (created_first, created_again, created_other) == (True, False, True)
    assert again == first
    assert other_dataset.submission_id != first.submission_id
    assert first.status == "received"
    assert first.received_at.tzinfo == UTC
    assert len(members.submissions()) == 2
    assert members.known_keys() == {"inbox/city-kitakyushu/flows/a.csv", "inbox/city-kitakyushu/targets/a.csv"}


def test_unknown_member_is_a_clear_error(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="member 'ghost' is not registered"):
        ledger.register_submission(
            member_id="ghost", dataset="flows", key="inbox/ghost/flows/a.csv", sha256=_sha(1), size=1
        )


def test_pending_submissions_oldest_first(members: Ledger) -> None:
    later = _register(members, 1, minutes=5)
    earlier = _register(members, 2, minutes=1)
    done = _register(members, 3, minutes=0)
    _validate(members, done, ["FY2024"])

    assert [s.submission_id for s in members.pending_submissions()] == [earlier, later]


def test_record_validation_keeps_every_row_accounted_for(members: Ledger) -> None:
    submission_id = _register(members, 1)

    with pytest.raises(ValueError, match="3 rows read but 2 accepted"):
        members.record_validation(
            submission_id,
            status="valid",
            counts=Counts(read=3, accepted=2, quarantined=0, warnings=0),
            report_key="reports/r.html",
            periods={"FY2024": 1},
        )
    unchanged = members.get_submission(submission_id)
    assert unchanged is not None
    assert unchanged.status == "received"

    _validate(members, submission_id, ["FY2024", "FY2023", "FY2024"], status="partially_valid")
    _validate(members, submission_id, ["FY2024", "FY2022"], status="partially_valid")  # re-validation replaces
    recorded = members.get_submission(submission_id)
    assert recorded is not None
    assert (recorded.status, recorded.counts.read, recorded.counts.accepted, recorded.counts.quarantined) == (
        "partially_valid",
        3,
        2,
        1,
    )
    assert recorded.periods == ("FY2022", "FY2024")


def test_member_files_are_the_live_files_and_those_an_attempt_already_replaced(members: Ledger) -> None:
    live = _register(members, 1, minutes=0)
    _validate(members, live, ["FY2024"])
    rejected = _register(members, 2, minutes=1)
    _validate(members, rejected, ["FY2024"], status="rejected")
    other_member = _register(members, 3, member_id=OTHER, minutes=2)
    _validate(members, other_member, ["FY2024"])
    other_dataset = _register(members, 4, dataset="progress", minutes=3)
    _validate(members, other_dataset, ["FY2024"])
    replaced = _register(members, 5, minutes=4)
    _validate(members, replaced, ["FY2023"])
    new = _register(members, 6, minutes=10)
    members.replace_files({replaced: new})

    assert [s.submission_id for s in members.member_files(["city-kitakyushu"], "flows")] == [live]
    found = members.member_files(["city-kitakyushu"], "flows", replaced_by=[new])
    assert [s.submission_id for s in found] == [live, replaced]  # oldest first


def test_replace_files_supersedes_whole_files_with_every_period(members: Ledger) -> None:
    older = _register(members, 1, minutes=0)
    members.record_validation(
        older, status="valid", counts=Counts(read=5, accepted=5, quarantined=0, warnings=0),
        report_key="reports/city-kitakyushu/flows/x.html", periods={"FY2023": 2, "FY2024": 3},
    )  # fmt: skip
    newer = _register(members, 2, minutes=5)

    members.replace_files({older: newer})

    gone = members.get_submission(older)
    assert gone is not None
    assert (gone.status, gone.superseded_by, gone.live_periods, gone.live_rows) == ("superseded", newer, (), 0)
    assert gone.periods == ("FY2023", "FY2024")  # republished when the newer file is
    assert [s.submission_id for s in members.replaced_by_any([newer])] == [older]
    with pytest.raises(ValueError, match="unknown submission"):
        members.replace_files({"s-missing": newer})


def test_content_received_again_waits_for_validation(members: Ledger) -> None:
    old = _register(members, 1, minutes=0)
    _validate(members, old, ["2024"])
    members.supersede(old, message="the object changed after it was received")
    assert members.get_submission(old).status == "superseded"  # type: ignore[union-attr]
    again = members.receive_again(old)
    assert (again.status, again.periods, again.superseded_by) == ("received", (), None)


def test_mark_published_only_moves_validated_submissions(members: Ledger) -> None:
    valid = _register(members, 1, minutes=1)
    _validate(members, valid, ["FY2024"])
    partial = _register(members, 2, minutes=2)
    _validate(members, partial, ["FY2023"], status="partially_valid")
    rejected = _register(members, 3, minutes=3)
    _validate(members, rejected, ["FY2022"], status="rejected")
    pending = _register(members, 4, minutes=4)

    members.mark_published([valid, partial, rejected, pending])

    assert [s.submission_id for s in members.submissions(status="published")] == [valid, partial]
    assert [s.submission_id for s in members.submissions(status="rejected")] == [rejected]
    assert [s.submission_id for s in members.submissions(status="received")] == [pending]
    with pytest.raises(ValueError, match="unknown submissions: nope"):
        members.mark_published(["nope"])


def test_submissions_filters(members: Ledger) -> None:
    a = _register(members, 1)
    b = _register(members, 2, dataset="targets", minutes=1)
    c = _register(members, 3, member_id=OTHER, minutes=2)

    assert [s.submission_id for s in members.submissions(member_id=MEMBER)] == [a, b]
    assert [s.submission_id for s in members.submissions(dataset="targets")] == [b]
    assert [s.submission_id for s in members.submissions(member_id=OTHER, dataset="flows")] == [c]
    assert members.get_submission("missing") is None


def test_status_check_constraint_is_enforced_by_the_database(members: Ledger) -> None:
    submission_id = _register(members, 1)
    with pytest.raises(IntegrityError), members.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE submissions SET status = 'lost' WHERE submission_id = :id"), {"id": submission_id}
        )


def test_runs_record_parameters_and_summary(ledger: Ledger) -> None:
    run_id = ledger.start_run("ingest", {"members": ["a", "b"], "since": date(2025, 1, 1)})
    started = ledger.get_run(run_id)
    assert started is not None
    assert (started.status, started.finished_at) == ("running", None)

    ledger.finish_run(run_id, status="succeeded", summary={"submissions": 2, "rows": 10})

    run = ledger.get_run(run_id)
    assert run is not None
    assert run.parameters == {"members": ["a", "b"], "since": "2025-01-01"}
    assert run.summary == {"submissions": 2, "rows": 10}
    assert run.status == "succeeded"
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert [r.run_id for r in ledger.runs(kind="ingest")] == [run_id]
    with pytest.raises(ValueError, match="unknown run"):
        ledger.finish_run("missing", status="failed", summary={})


def test_a_batch_is_one_transaction_seen_inside_and_committed_at_its_end(members: Ledger) -> None:
    old = _register(members, 1, minutes=0)
    _validate(members, old, ["FY2024"])
    new = _register(members, 2, minutes=10)
    with members.batch():
        _validate(members, new, ["FY2024"])
        members.replace_files({old: new})
        assert members.get_submission(new).status == "valid"  # type: ignore[union-attr]  # seen inside the batch
    assert {s.submission_id: s.status for s in members.submissions()} == {old: "superseded", new: "valid"}


def test_a_failing_batch_records_nothing(members: Ledger) -> None:
    first, second = _register(members, 1), _register(members, 2, minutes=1)

    def record_both() -> None:
        with members.batch():
            _validate(members, first, ["FY2024"])
            members.record_validation(
                second,
                status="valid",
                counts=Counts(read=3, accepted=1, quarantined=1, warnings=0),
                report_key=f"reports/{MEMBER}/flows/{second}.html",
                periods={"FY2024": 1},
            )

    with pytest.raises(ValueError, match="no row may be lost"):
        record_both()
    assert {s.status for s in members.submissions()} == {"received"}
