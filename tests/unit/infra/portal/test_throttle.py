"""The joining limit's count: per client, over a window that slides, a refused attempt not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.portal.throttle import AddressThrottle

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_a_client_sends_up_to_the_limit_in_any_window_and_then_waits_for_its_oldest_to_leave_it() -> None:
    throttle = AddressThrottle(limit=2, window=timedelta(hours=1))
    minutes = [0, 10, 20, 30, 60, 61]
    answers = [throttle.admit("198.51.100.7", at=T0 + timedelta(minutes=m)) for m in minutes]
    assert answers == [
        None,
        None,
        T0 + timedelta(hours=1),  # refused until the first leaves the window
        T0 + timedelta(hours=1),  # a refused one was not counted: the same answer
        None,  # the first has left: one more
        T0 + timedelta(minutes=70),  # the second leaves at 10:10
    ]
    assert throttle.admit("203.0.113.9", at=T0 + timedelta(minutes=20)) is None  # another client counts apart
