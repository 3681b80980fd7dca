"""The same object notified twice, and two uploads of the same key in quick succession."""

from __future__ import annotations

import polars as pl

from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from tests.chaos.conftest import (
    ChaosRecord,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
)


def test_the_same_object_notified_twice_at_once_is_one_submission(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    made = flows_file("city-a", bad_rows=1)
    key = installation.upload("city-a.csv", made)
    first = installation.start("driver", "ingest", key)
    second = installation.start("driver", "ingest", key)
    chaos_record.faults += 1
    assert first.wait(timeout=600) == 0, installation.diagnostics()
    assert second.wait(timeout=600) == 0, installation.diagnostics()

    resources = installation.resources()
    try:
        submissions = resources.ledger.submissions()
    finally:
        resources.close()
    assert [(s.key, s.status) for s in submissions] == [(key, "published")]
    found = check_invariants(installation, {"city-a": 10})
    chaos_record.invariants = found
    assert (found.rows_read, found.accepted, found.quarantined, found.published) == (11, 10, 1, 10)
    assert_recovered(found)
    chaos_record.recovered += 1


def test_the_later_of_two_quick_uploads_wins_even_when_the_earlier_is_validated_last(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    """Upload 1's run dies right after registering it; upload 2's run finishes; the nightly run finds upload 1."""
    earlier = flows_file("city-a", periods=("FY2024",))
    later = flows_file("city-a", periods=("FY2024",), scale=2)
    key = installation.upload("city-a.csv", earlier)
    resources = installation.resources()
    try:
        [earlier_id] = register_keys(resources, [key], RunSummary())
    finally:
        resources.close()
    installation.upload("city-a.csv", later)
    chaos_record.faults += 1
    installation.junkan("driver", "ingest", key)
    installation.junkan("run")

    resources = installation.resources()
    try:
        by_id = {s.submission_id: s for s in resources.ledger.submissions()}
        core = resources.warehouse.read("core.flows")
    finally:
        resources.close()
    assert len(by_id) == 2
    [later_id] = set(by_id) - {earlier_id}
    assert by_id[earlier_id].status == "superseded", f"the earlier upload is {by_id[earlier_id].status}"
    # Its content was overwritten before it was validated: retired with the reason, whoever replaced it.
    assert by_id[earlier_id].message is not None
    assert "replaced by newer content" in by_id[earlier_id].message
    assert by_id[later_id].status == "published"
    # The later file doubles every quantity: 200 + 50 + 160 + 60 + 100 = 570 t, all from the later submission.
    assert core.get_column("quantity_t").sum() == 570
    assert set(core.get_column("submission_id")) == {later_id}
    found = check_invariants(installation, {"city-a": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1


def test_reuploading_earlier_content_makes_it_current_again(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    """A member replaces a file, then puts the first version back: the first version's rows are current."""
    first = flows_file("corp-b", periods=("FY2024",))
    second = flows_file("corp-b", periods=("FY2024",), scale=3)
    key = installation.upload("corp-b.csv", first)
    installation.junkan("driver", "ingest", key)
    installation.upload("corp-b.csv", second)
    installation.junkan("driver", "ingest", key)
    installation.upload("corp-b.csv", first)
    chaos_record.faults += 1
    installation.junkan("driver", "ingest", key)

    resources = installation.resources()
    try:
        core = resources.warehouse.read("core.flows")
    finally:
        resources.close()
    # The first file: 100 + 25 + 80 + 30 + 50 = 285 t (the second had 855 t).
    assert core.get_column("quantity_t").sum() == 285
    found = check_invariants(installation, {"corp-b": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1


def test_a_corrected_copy_covering_fewer_periods_replaces_the_whole_file_and_the_ledger_agrees(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    """File 1 has FY2023 and FY2024; file 2 (another name) only FY2024, sharing its row keys: a corrected copy.

    It replaces file 1 whole (docs/contract.md, "Which file counts"), so FY2023 leaves core with file 1.
    """
    first = flows_file("univ-c")
    second = flows_file("univ-c", periods=("FY2024",), scale=2)
    installation.junkan("driver", "ingest", installation.upload("univ-c-2024-v1.csv", first))
    installation.junkan("driver", "ingest", installation.upload("univ-c-2024-v2.csv", second))
    chaos_record.faults += 1

    resources = installation.resources()
    try:
        core = resources.warehouse.read("core.flows")
    finally:
        resources.close()
    # FY2024 from file 2: 570 t; nothing of file 1.
    assert dict(core.group_by("period").agg(pl.col("quantity_t").sum()).iter_rows()) == {"FY2024": 570}
    found = check_invariants(installation, {"univ-c": 5})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1
