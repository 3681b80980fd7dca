"""`junkan run` killed with SIGKILL mid-ingest and mid-publish: the next `junkan run` finishes the work."""

from __future__ import annotations

from tests.chaos.conftest import (
    ChaosRecord,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
    run_until_validated_unpublished,
    sigkill,
    statuses,
    three_files,
    wait_until,
)

KILL_WAIT_S = 300


def test_killed_after_validation_before_publish_is_finished_by_the_next_run(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    files = three_files()
    resources = installation.resources()
    try:
        process = run_until_validated_unpublished(installation, resources, files, timeout=KILL_WAIT_S)
        sigkill(process)
        chaos_record.faults += 1
        assert statuses(resources)["published"] == 0
    finally:
        resources.close()

    installation.junkan("run")
    found = check_invariants(installation, {made.member_id: made.n_accepted for made in files})
    chaos_record.invariants = found
    # city-a 10 + corp-b 10 (1 quarantined) + univ-c 5 = 25 accepted of 26 read.
    assert (found.rows_read, found.accepted, found.quarantined) == (26, 25, 1)
    assert_recovered(found)
    chaos_record.recovered += 1


def test_killed_mid_ingest_is_finished_by_the_next_run(installation: Installation, chaos_record: ChaosRecord) -> None:
    files = [
        flows_file(member_id, bad_rows=i % 2) for i, member_id in enumerate(("city-a", "corp-b", "univ-c", "city-d"))
    ]
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    resources = installation.resources()
    try:
        # One file per validation batch, so that a moment exists where some are recorded and others wait.
        process = installation.start("run", env={"JUNKAN_VALIDATION_BATCH_SUBMISSIONS": "1"})

        def some_validated() -> bool:
            counts = statuses(resources)
            return sum(counts.values()) == len(files) and 0 < counts["received"] < len(files)

        wait_until(
            "some submissions validated, others still waiting", some_validated, timeout=KILL_WAIT_S, interval=0.01
        )
        sigkill(process)
        chaos_record.faults += 1
        assert statuses(resources)["received"] > 0
    finally:
        resources.close()

    installation.junkan("run")
    found = check_invariants(installation, {made.member_id: made.n_accepted for made in files})
    chaos_record.invariants = found
    # 4 members × 10 accepted; corp-b and city-d one quarantined row each.
    assert (found.rows_read, found.accepted, found.quarantined) == (42, 40, 2)
    assert_recovered(found)
    chaos_record.recovered += 1
