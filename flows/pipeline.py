"""Prefect flows: `ingest`, `nightly` and `backfill` rebuild core tables and drafts; `release` the public tables.

`ingest` takes given objects, `nightly` everything waiting, `backfill` a range of periods. Flows only wire the
stages in `flows.stages`. Tasks are coarse (a batch of submissions, one period), take and return plain values
and build their resources from settings in whichever process runs them, so the same flows run on threads or on a
Dask cluster. IO-bound tasks retry, which is safe because every step is idempotent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from flows import progress
from flows.stages import roadmaps
from flows.stages import targets as target_stage
from flows.stages.batch import validate_submissions
from flows.stages.publish import periods_between, publish_period, take_out_withdrawn, unpublished_submissions
from flows.stages.pull import PullOutcome, pull_sources
from flows.stages.receive import register_keys, scan_inbox, validation_batches, withdraw_deleted
from flows.stages.recycled_material import members_to_report
from flows.stages.summary import RunSummary, SubmissionOutcome, Timings, timed
from infra.resources import Resources, build_resources
from infra.settings import Settings, get_settings
from schemas.datasets import DATASET_SPECS, OBLIGATION_TABLES, ROADMAP_TABLES, TARGET_TABLES
from schemas.outcomes import PUBLISHABLE
from schemas.tables import PUBLIC_TABLES

_RESOURCES: dict[str, Resources] = {}
_RESOURCES_LOCK = threading.Lock()


def _identity(settings: Settings) -> str:
    """Settings with secrets revealed (kept in memory only): two settings differing in a secret differ."""
    values = {name: value.get_secret_value() if isinstance(value, SecretStr) else value for name, value in settings}
    return json.dumps(values, default=str, sort_keys=True)


def current_resources() -> Resources:
    """Resources for the current settings, built once per process (tasks may run in worker processes)."""
    settings = get_settings()
    identity = _identity(settings)
    with _RESOURCES_LOCK:
        if identity not in _RESOURCES:
            _RESOURCES[identity] = build_resources(settings)
        return _RESOURCES[identity]


@dataclass(frozen=True)
class Registration:
    """What registering inbox objects found."""

    waiting: list[str]
    refused: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=dict)


@task(name="pull-sources", cache_policy=NO_CACHE)  # no retries: each source's failure is caught and reported
def pull() -> list[PullOutcome]:
    """Fetch members' registered HTTP/SQL sources into their inbox; register what changed."""
    return pull_sources(current_resources())


@task(name="register", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def register(object_keys: list[str]) -> Registration:
    """Record inbox objects in the ledger."""
    found = RunSummary()
    timings: Timings = {}
    with timed(timings, "read"):  # hashing and recording the files is the first read of the input
        waiting = register_keys(current_resources(), object_keys, found)
    return Registration(waiting=waiting, refused=found.refused_keys, skipped=found.skipped_keys, timings=timings)


@task(name="validate", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def validate_batch(submission_ids: list[str]) -> tuple[list[SubmissionOutcome], Timings]:
    """Validate a batch of submissions and store their outcomes."""
    timings: Timings = {}
    return validate_submissions(current_resources(), submission_ids, timings=timings), timings


@task(name="publish", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish(period: str) -> tuple[Timings, list[dict[str, object]]]:
    """Republish one period's tables; returns timings and disclosure control's information loss."""
    timings: Timings = {}
    published = publish_period(current_resources(), period, timings=timings)
    return timings, published.information_loss.to_dicts()


@task(name="publish-targets", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_targets() -> Timings:
    """Republish target progress, the compliance view and every member's obligations."""
    from flows.stages.obligations import publish_obligations

    timings: Timings = {}
    target_stage.publish_targets(current_resources(), as_of=date.today(), timings=timings)
    publish_obligations(current_resources(), as_of=date.today(), timings=timings)
    return timings


@task(name="publish-roadmaps", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_roadmaps() -> Timings:
    """Republish resource productivity and roadmap progress (after the periods' indicators)."""
    timings: Timings = {}
    roadmaps.publish_roadmaps(current_resources(), timings=timings)
    return timings


@task(name="report", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def render_report(period: str, namespace: Literal["mart", "draft"] = "draft") -> tuple[str, Timings]:
    """Regenerate one period's HTML report: the secretariat's draft on runs, the public one on release."""
    from infra.rendering.period_report import write_period_report

    timings: Timings = {}
    with timed(timings, "publish"):  # the period's report is published with its tables
        key = write_period_report(current_resources(), period, namespace=namespace)
    return key, timings


@task(name="previews", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_member_previews(submission_ids: list[str]) -> Timings:
    """Tell members which of their cells the current drafts would publish (after the drafts were rebuilt)."""
    from flows.stages.preview import write_previews

    resources = current_resources()
    timings: Timings = {}
    with timed(timings, "publish"):
        write_previews(resources, resources.ledger.get_submissions(submission_ids))
    return timings


@task(name="recycled-material-reports", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_recycled_material_reports(member_ids: list[str]) -> Timings:
    """Rewrite members' private recycled-material reports (their declarations against the law's designations)."""
    from flows.stages.recycled_material import write_recycled_material_reports as write_reports

    timings: Timings = {}
    with timed(timings, "publish"):
        write_reports(current_resources(), member_ids)
    return timings


def _merge(summary: RunSummary, timings: Timings) -> None:
    for stage, seconds in timings.items():
        summary.timings[stage] = summary.timings.get(stage, 0.0) + seconds


def _publish(periods: list[str], summary: RunSummary, *, fed: Collection[str]) -> None:
    """Rebuild periods' drafts (in parallel on a Dask cluster), then the whole tables `fed` names, then reports.

    `fed` are the public tables whose inputs changed (`schemas.datasets`: what each dataset feeds).
    """
    targets = bool(set(fed) & {*TARGET_TABLES, *OBLIGATION_TABLES})
    if periods:
        progress.current().begin(PERIODS_DRAFTED, len(periods))
    if current_resources().settings.task_runner == "dask":
        published = []
        for future in publish.map(periods):
            published.append(future.result())
            progress.current().advance(PERIODS_DRAFTED)
    else:
        # One at a time in one process: two periods at once doubled peak memory (1.6 → 2.9 GiB for two
        # periods of 3 M rows) and saved no time on 2 cores (each took twice as long).
        published = []
        for period in periods:
            published.append(publish(period))
            progress.current().advance(PERIODS_DRAFTED)
    for timings, information_loss in published:
        _merge(summary, timings)
        summary.information_loss += information_loss
    summary.published_periods += [period for period in periods if period not in summary.published_periods]
    if targets:
        _merge(summary, publish_targets())
    if periods or set(fed) & set(ROADMAP_TABLES):
        _merge(summary, publish_roadmaps())
    for key, timings in [future.result() for future in render_report.map(periods)]:
        if key not in summary.report_keys:
            summary.report_keys.append(key)
        _merge(summary, timings)


def _process(submission_ids: list[str], summary: RunSummary) -> None:
    """Validate waiting submissions in batches, then publish what they and any unfinished run changed."""
    resources = current_resources()
    if submission_ids:
        progress.current().begin(FILES_JUDGED, len(submission_ids))
    for batch in validation_batches(resources, submission_ids):
        outcomes, timings = validate_batch(batch)
        summary.outcomes += outcomes
        _merge(summary, timings)
        progress.current().advance(FILES_JUDGED, len(batch))
    # Periods of submissions validated but never published (a run that died before publishing) count too.
    unfinished = unpublished_submissions(resources)
    take_out_withdrawn(resources, unfinished)
    # What each dataset's files feed is registered with the dataset (`schemas.datasets`).
    by_period = [s for s in unfinished if DATASET_SPECS[s.dataset].republishes_periods]
    periods = sorted({p for s in by_period for p in s.periods})
    fed = {table for s in unfinished for table in DATASET_SPECS[s.dataset].feeds}
    changed = resources.ledger.unpublished_member_changes()  # a member's new kind: its obligations follow it
    if changed:
        fed |= {*TARGET_TABLES, *OBLIGATION_TABLES}
    _publish(periods, summary, fed=fed)
    flows_files = [s.submission_id for s in by_period if s.status in PUBLISHABLE]
    if flows_files:
        _merge(summary, write_member_previews(flows_files))
    declarants = members_to_report(resources, unfinished)
    if declarants:
        _merge(summary, write_recycled_material_reports(declarants))
    resources.ledger.mark_published([s.submission_id for s in unfinished])
    resources.ledger.mark_member_changes_published([change.change_id for change in changed])


def _recorded(kind: str, parameters: dict[str, object], body: Callable[[RunSummary], None]) -> RunSummary:
    """Run a flow body with a run record in the ledger."""
    ledger = current_resources().ledger
    summary = RunSummary()
    run_id = ledger.start_run(kind, parameters)
    try:
        body(summary)
    except BaseException:
        ledger.finish_run(run_id, status="failed", summary=summary.as_dict())
        raise
    ledger.finish_run(run_id, status="completed", summary=summary.as_dict())
    return summary


def _register(object_keys: list[str], summary: RunSummary) -> list[str]:
    found = register(object_keys)
    summary.refused_keys.update(found.refused)
    summary.skipped_keys += found.skipped
    _merge(summary, found.timings)
    return found.waiting


FILES_JUDGED, PERIODS_DRAFTED = "files judged", "periods drafted"  # what a command's progress shows
SWEEP_POLL_SECONDS = 2.0  # pause between sweeps while an ingest window is open
MAX_INGEST_SECONDS = 900.0  # a run under a constant stream of uploads hands over to the next queued run


def _sweep_once(summary: RunSummary) -> int:
    """Register unseen inbox objects, validate everything pending, publish; returns submissions validated."""
    resources = current_resources()
    scan = scan_inbox(resources)
    summary.withdrawn_keys += [submission.key for submission in withdraw_deleted(resources, scan)]
    _register(scan.unseen_keys, summary)
    waiting = [submission.submission_id for submission in resources.ledger.pending_submissions()]
    _process(waiting, summary)
    return len(waiting)


@flow(name="ingest", log_prints=False)
def ingest(object_keys: list[str]) -> RunSummary:
    """Validate and publish the given inbox objects (what an upload event triggers)."""

    def body(summary: RunSummary) -> None:
        _process(_register(object_keys, summary), summary)

    return _recorded("ingest", {"object_keys": object_keys}, body)


@flow(name="nightly", log_prints=False)
def nightly() -> RunSummary:
    """Pull members' sources, sweep the inbox against the ledger, validate everything waiting, republish."""

    def body(summary: RunSummary) -> None:
        for outcome in pull():
            if outcome.error is not None:
                summary.refused_keys[f"source:{outcome.source_id}"] = outcome.error
        _sweep_once(summary)

    return _recorded("nightly", {}, body)


@flow(name="ingest-pending", log_prints=False)
def ingest_pending(settle_seconds: float = 30.0, first_key: str | None = None) -> RunSummary:
    """Ingest everything waiting, sweeping until `settle_seconds` have passed and a sweep finds nothing new.

    What an upload event triggers (see flows/deployments.py for how a burst becomes a handful of runs).
    """

    def body(summary: RunSummary) -> None:
        started = time.monotonic()
        while True:
            validated = _sweep_once(summary)
            elapsed = time.monotonic() - started
            if elapsed >= MAX_INGEST_SECONDS or (validated == 0 and elapsed >= settle_seconds):
                return
            if validated == 0:
                time.sleep(min(SWEEP_POLL_SECONDS, settle_seconds - elapsed))

    return _recorded("ingest_pending", {"settle_seconds": settle_seconds, "first_key": first_key}, body)


@flow(name="backfill", log_prints=False)
def backfill(period_from: str, period_to: str) -> RunSummary:
    """Republish every period between two period codes (inclusive) from the core tables."""

    def body(summary: RunSummary) -> None:
        _publish(periods_between(current_resources(), period_from, period_to), summary, fed=PUBLIC_TABLES)

    return _recorded("backfill", {"period_from": period_from, "period_to": period_to}, body)


@flow(name="release", log_prints=False)
def release(periods: list[str] | None = None, released_by: str = "secretariat") -> RunSummary:
    """Release periods (every period with flows when none are named): the public tables change only here."""
    from flows.stages.release import releasable_periods, release_periods

    def body(summary: RunSummary) -> None:
        resources = current_resources()
        wanted = periods or releasable_periods(resources)
        timings: Timings = {}
        released = release_periods(resources, wanted, released_by=released_by, timings=timings)
        _merge(summary, timings)
        summary.published_periods += [one.period for one in released]
        for key, report_timings in [
            future.result() for future in render_report.map(wanted, namespace=unmapped("mart"))
        ]:
            summary.report_keys.append(key)
            _merge(summary, report_timings)

    return _recorded("release", {"periods": periods, "released_by": released_by}, body)
