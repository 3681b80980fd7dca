"""`junkan run` stopped with SIGINT (Ctrl-C) or SIGTERM (a service manager): it ends within 10 s with one line,
and the next `junkan run` finishes the work, as after SIGKILL (test_kill.py).

Stopped mid-ingest (a task thread validating), between validation and publish, and while it waits on a Prefect
API that accepts connections and never answers (the hung or dying server Ctrl-C used to leave the CLI retrying
for minutes).
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from tests.chaos.conftest import (
    ChaosRecord,
    FlowsFile,
    Installation,
    Stop,
    assert_recovered,
    check_invariants,
    flows_file,
    run_until_validated_unpublished,
    statuses,
    stop,
    three_files,
    wait_until,
)

WAIT_S = 300
STOP_LIMIT_S = 10
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]
AFTER_A_FLOW = "the next run finishes the work"


def assert_stopped_cleanly(installation: Installation, process_stop: Stop, stderr: str, sent: signal.Signals) -> None:
    """Ended within the limit, 128 + the signal, the one line last on stderr, no traceback."""
    why = f"stderr:\n{stderr}\n{installation.diagnostics()}"
    assert process_stop.seconds < STOP_LIMIT_S, f"took {process_stop.seconds:.1f} s to stop\n{why}"
    assert process_stop.code == 128 + sent, why
    assert stderr.splitlines()[-1:] == [f"junkan: stopped by {sent.name}; {AFTER_A_FLOW}"], why
    assert "Traceback" not in stderr, why


def finish_and_check(installation: Installation, files: list[FlowsFile], chaos_record: ChaosRecord) -> None:
    """The next run finishes the work: nothing lost, duplicated or half-published."""
    installation.junkan("run")
    found = check_invariants(installation, {made.member_id: made.n_accepted for made in files})
    chaos_record.invariants = found
    n_read = sum(made.n_read for made in files)
    n_accepted = sum(made.n_accepted for made in files)
    assert (found.rows_read, found.accepted, found.quarantined) == (n_read, n_accepted, n_read - n_accepted)
    assert_recovered(found)
    chaos_record.recovered += 1


@pytest.mark.parametrize("sent", SIGNALS)
def test_stopped_mid_ingest_ends_within_10_s_and_the_next_run_finishes(
    installation: Installation, chaos_record: ChaosRecord, sent: signal.Signals
) -> None:
    files = [
        flows_file(member_id, bad_rows=i % 2) for i, member_id in enumerate(("city-a", "corp-b", "univ-c", "city-d"))
    ]
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    resources = installation.resources()
    try:
        process = installation.start("run")

        # All four go to one validation batch, which takes seconds: stopped while a task thread validates.
        def all_registered() -> bool:
            counts = statuses(resources)
            return counts["received"] == len(files)

        wait_until(
            "every submission registered, none validated",
            all_registered,
            timeout=WAIT_S,
            interval=0.01,
            process=process,
            installation=installation,
        )
        ended = stop(process, sent)
        chaos_record.faults += 1
        chaos_record.stop_seconds = ended.seconds
    finally:
        resources.close()
    assert_stopped_cleanly(installation, ended, installation.stderr_of(process), sent)
    # 4 members × 10 accepted; corp-b and city-d one quarantined row each.
    finish_and_check(installation, files, chaos_record)


@pytest.mark.parametrize("sent", SIGNALS)
def test_stopped_between_validation_and_publish_ends_within_10_s_and_the_next_run_finishes(
    installation: Installation, chaos_record: ChaosRecord, sent: signal.Signals
) -> None:
    files = three_files()
    resources = installation.resources()
    try:
        process = run_until_validated_unpublished(installation, resources, files, timeout=WAIT_S)
        ended = stop(process, sent)
        chaos_record.faults += 1
        chaos_record.stop_seconds = ended.seconds
    finally:
        resources.close()
    assert_stopped_cleanly(installation, ended, installation.stderr_of(process), sent)
    finish_and_check(installation, files, chaos_record)


class HungApi:
    """A TCP server that accepts connections and never answers: a Prefect API that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """What PREFECT_API_URL is for a client of it."""
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api"

    def _accept(self) -> None:
        with suppress(OSError):  # closed at the end
            while True:
                connection, _ = self.listener.accept()
                self.connections.append(connection)

    def close(self) -> None:
        """Close the listener and every connection."""
        self.listener.close()
        for connection in self.connections:
            connection.close()


@contextmanager
def hung_api() -> Iterator[HungApi]:
    """A hung Prefect API for the duration of the block."""
    api = HungApi()
    try:
        yield api
    finally:
        api.close()


@pytest.mark.parametrize("sent", SIGNALS)
def test_stopped_while_the_prefect_api_hangs_ends_within_10_s_and_the_next_run_finishes(
    installation: Installation, chaos_record: ChaosRecord, sent: signal.Signals
) -> None:
    files = [flows_file("city-a"), flows_file("corp-e", bad_rows=1)]
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    with hung_api() as api:
        process = installation.start("run", env={"PREFECT_API_URL": api.url})
        wait_until(
            "the run contacts the Prefect API",
            lambda: len(api.connections) > 0,
            timeout=WAIT_S,
            process=process,
            installation=installation,
        )
        ended = stop(process, sent)
        chaos_record.faults += 1
        chaos_record.stop_seconds = ended.seconds
    assert_stopped_cleanly(installation, ended, installation.stderr_of(process), sent)
    # The next run, on the real server, does all of it: 20 accepted, 1 quarantined.
    finish_and_check(installation, files, chaos_record)
