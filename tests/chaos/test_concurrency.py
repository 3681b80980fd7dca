"""A nightly run and a backfill of the same periods at the same time end as if run one after the other."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import polars as pl

from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period, unpublished_submissions
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.warehouse import Warehouse
from tests.chaos.conftest import (
    ChaosRecord,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
)

MEMBER_IDS = ("city-a", "corp-b", "univ-c")


def _publish_first_versions(installation: Installation) -> None:
    for member_id in MEMBER_IDS:
        installation.upload(f"{member_id}.csv", flows_file(member_id))
    installation.junkan("run")


def test_nightly_and_backfill_at_the_same_time(installation: Installation, chaos_record: ChaosRecord) -> None:
    _publish_first_versions(installation)
    installation.upload("city-a.csv", flows_file("city-a", scale=2))
    nightly = installation.start("run")
    backfill = installation.start("backfill", "--from", "FY2023", "--to", "FY2024")
    chaos_record.faults += 1
    assert nightly.wait(timeout=600) == 0, installation.diagnostics()
    assert backfill.wait(timeout=600) == 0, installation.diagnostics()

    found = check_invariants(installation, dict.fromkeys(MEMBER_IDS, 10))
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1


class _ReadThen(Warehouse):
    """A warehouse that runs `then` right after its first read of core.flows: a deterministic interleaving."""

    def __init__(self, inner: Warehouse, then: Callable[[], None]) -> None:
        super().__init__(inner.catalog)
        self._then = then
        self._fired = False

    def read(self, table: str, *, where: Mapping[str, Sequence[str]] | None = None) -> pl.DataFrame:
        frame = super().read(table, where=where)
        if table == "core.flows" and not self._fired:
            self._fired = True
            self._then()
        return frame


def test_backfill_that_read_core_before_a_nightly_wrote_it_does_not_publish_stale_marts(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    """Backfill reads FY2024, the nightly writes and publishes a new FY2024, then the backfill commits."""
    _publish_first_versions(installation)
    key = installation.upload("city-a.csv", flows_file("city-a", scale=2))
    nightly = installation.resources()
    backfill = installation.resources()

    def nightly_runs() -> None:
        waiting = register_keys(nightly, [key], RunSummary())
        validate_submissions(nightly, waiting)
        unfinished = unpublished_submissions(nightly)
        for period in sorted({p for s in unfinished for p in s.periods}):
            publish_period(nightly, period)
        nightly.ledger.mark_published([s.submission_id for s in unfinished])

    try:
        read_then = _ReadThen(backfill.warehouse, nightly_runs)
        interleaved = dataclasses.replace(backfill, open_warehouse=lambda: read_then)
        publish_period(interleaved, "FY2024")
        chaos_record.faults += 1
    finally:
        nightly.close()
        backfill.close()

    found = check_invariants(installation, dict.fromkeys(MEMBER_IDS, 10))
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1
