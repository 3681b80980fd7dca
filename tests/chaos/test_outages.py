"""MinIO stopped in the middle of a publish and PostgreSQL restarted during a run: retries or the next run recover."""

from __future__ import annotations

import time

from tests.chaos.conftest import (
    ChaosRecord,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
    statuses,
    wait_until,
)

OUTAGE_S = 3
WAIT_S = 300


def _finish(installation: Installation, process_exit: int) -> None:
    """Recover the way production would: a failed run is followed by the next nightly run."""
    if process_exit != 0:
        installation.junkan("run")


def test_minio_stopped_during_publish(installation: Installation, chaos_record: ChaosRecord) -> None:
    files = [flows_file("city-a"), flows_file("corp-b", bad_rows=1), flows_file("univ-c")]
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    resources = installation.resources()
    try:
        process = installation.start("run")

        def all_validated() -> bool:
            counts = statuses(resources)
            return sum(counts.values()) == len(files) and counts["received"] == 0

        wait_until(
            "every submission validated", all_validated, timeout=WAIT_S, process=process, installation=installation
        )
    finally:
        resources.close()
    installation.minio.service.stop()
    chaos_record.faults += 1
    time.sleep(OUTAGE_S)
    installation.minio.service.start()
    _finish(installation, process.wait(timeout=WAIT_S))

    found = check_invariants(installation, {made.member_id: made.n_accepted for made in files})
    chaos_record.invariants = found
    assert (found.rows_read, found.accepted, found.quarantined, found.published) == (31, 30, 1, 30)
    assert_recovered(found)
    chaos_record.recovered += 1


def test_postgres_restarted_during_a_run(installation: Installation, chaos_record: ChaosRecord) -> None:
    files = [flows_file("city-a"), flows_file("corp-b"), flows_file("univ-c", bad_rows=1), flows_file("city-d")]
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    resources = installation.resources()
    try:
        process = installation.start("run")

        def one_validated() -> bool:
            counts = statuses(resources)
            return sum(counts.values()) == len(files) and counts["received"] < len(files)

        wait_until(
            "a first submission validated", one_validated, timeout=WAIT_S, process=process, installation=installation
        )
    finally:
        resources.close()
    installation.postgres.service.stop()
    chaos_record.faults += 1
    time.sleep(OUTAGE_S)
    installation.postgres.service.start()
    _finish(installation, process.wait(timeout=WAIT_S))

    found = check_invariants(installation, {made.member_id: made.n_accepted for made in files})
    chaos_record.invariants = found
    assert (found.rows_read, found.accepted, found.quarantined, found.published) == (41, 40, 1, 40)
    assert_recovered(found)
    chaos_record.recovered += 1
