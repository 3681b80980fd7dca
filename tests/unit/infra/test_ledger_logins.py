"""Failed logins in the ledger: each counts, even when many arrive at once, and the lock follows the count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from infra.ledger import Ledger
from infra.ledger.session import now

EMAIL = "officer@city-a.example.jp"


def test_failures_count_up_and_lock_from_the_threshold(ledger: Ledger) -> None:
    at = now()
    counted = [
        ledger.record_login_failure(EMAIL, at=at, lock_after=3, lock_for=timedelta(minutes=15)) for _ in range(4)
    ]
    assert [one.n_failures for one in counted] == [1, 2, 3, 4]
    assert [one.locked_until for one in counted] == [None, None, at + timedelta(minutes=15), at + timedelta(minutes=15)]
    ledger.clear_login_failures(EMAIL.upper())
    assert ledger.login_failures(EMAIL) is None


def test_failures_recorded_at_once_are_all_counted(ledger: Ledger) -> None:
    # The first failures of an address arriving together each insert-or-add: none is lost, none is refused.
    at = now()

    def fail(_: int) -> int:
        return ledger.record_login_failure(EMAIL, at=at, lock_after=5, lock_for=timedelta(minutes=15)).n_failures

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(fail, range(16)))

    assert counts == list(range(1, 17))
    failures = ledger.login_failures(EMAIL)
    assert failures is not None
    assert failures.locked_until == at + timedelta(minutes=15)


def test_a_threshold_of_one_locks_at_the_first_failure(ledger: Ledger) -> None:
    at = now()
    first = ledger.record_login_failure(EMAIL, at=at, lock_after=1, lock_for=timedelta(seconds=30))
    assert (first.n_failures, first.locked_until) == (1, at + timedelta(seconds=30))
