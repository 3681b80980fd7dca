"""Prefect flows: `ingest` (given objects), `nightly` (everything waiting) and `backfill` (republish periods).

Flows only wire the steps in `flows.steps`; tasks are coarse (a batch of submissions, one period) and
the IO-bound ones retry, which is safe because every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import steps
from flows.steps import RunSummary, SubmissionOutcome
from infra.resources import Resources, build_resources
from infra.settings import get_settings

VALIDATION_BATCH = 500  # submissions per batched validation call: bounds memory, amortises GX's fixed cost


@task(name="register", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def register(resources: Resources, object_keys: list[str], summary: RunSummary) -> list[str]:
    """Record inbox objects in the ledger."""
    return steps.register_keys(resources, object_keys, summary)


@task(name="validate", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def validate_batch(resources: Resources, submission_ids: list[str], timings: steps.Timings) -> list[SubmissionOutcome]:
    """Validate a batch of submissions and store their outcomes."""
    return steps.validate_submissions(resources, submission_ids, timings=timings)


@task(name="publish-targets", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_targets(resources: Resources, timings: steps.Timings) -> dict[str, int]:
    """Republish target progress and the compliance view."""
    return steps.publish_targets(resources, as_of=date.today(), timings=timings)


@task(name="publish", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish(resources: Resources, period: str, timings: steps.Timings) -> dict[str, int]:
    """Republish one period's mart tables."""
    return steps.publish_period(resources, period, timings=timings)


@task(name="report", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def render_reports(resources: Resources, periods: list[str], timings: steps.Timings) -> list[str]:
    """Regenerate the HTML reports of the periods just republished."""
    from flows.report import write_period_report

    with steps.timed(timings, "report"):
        return [write_period_report(resources, period) for period in periods]


def _process(resources: Resources, submission_ids: Sequence[str], summary: RunSummary) -> None:
    for start in range(0, len(submission_ids), VALIDATION_BATCH):
        batch = list(submission_ids[start : start + VALIDATION_BATCH])
        summary.outcomes += validate_batch(resources, batch, summary.timings)
    periods = sorted({p for o in summary.outcomes if o.dataset == "flows" for p in o.periods})
    for period in periods:
        publish(resources, period, summary.timings)
    summary.published_periods += periods
    if summary.outcomes:
        publish_targets(resources, summary.timings)
    summary.report_keys += render_reports(resources, periods, summary.timings)
    steps.mark_published(resources, summary.outcomes)


def _recorded(kind: str, parameters: dict[str, object], body: Callable[[Resources, RunSummary], None]) -> RunSummary:
    """Run a flow body with resources built for this environment and a run record in the ledger."""
    resources = build_resources(get_settings())
    summary = RunSummary()
    run_id = resources.ledger.start_run(kind, parameters)
    try:
        body(resources, summary)
    except BaseException:
        resources.ledger.finish_run(run_id, status="failed", summary=summary.as_dict())
        raise
    else:
        resources.ledger.finish_run(run_id, status="completed", summary=summary.as_dict())
    finally:
        resources.close()
    return summary


@flow(name="ingest", log_prints=False)
def ingest(object_keys: list[str]) -> RunSummary:
    """Validate and publish the given inbox objects (what an upload event triggers)."""

    def body(resources: Resources, summary: RunSummary) -> None:
        _process(resources, register(resources, object_keys, summary), summary)

    return _recorded("ingest", {"object_keys": object_keys}, body)


@flow(name="nightly", log_prints=False)
def nightly() -> RunSummary:
    """Sweep the inbox against the ledger, validate everything waiting, republish affected periods."""

    def body(resources: Resources, summary: RunSummary) -> None:
        register(resources, steps.unseen_inbox_keys(resources), summary)
        waiting = [submission.submission_id for submission in resources.ledger.pending_submissions()]
        _process(resources, waiting, summary)

    return _recorded("nightly", {}, body)


@flow(name="backfill", log_prints=False)
def backfill(period_from: str, period_to: str) -> RunSummary:
    """Republish every period between two period codes (inclusive) from the core tables."""

    def body(resources: Resources, summary: RunSummary) -> None:
        for period in steps.periods_between(resources, period_from, period_to):
            publish(resources, period, summary.timings)
            summary.published_periods.append(period)
        publish_targets(resources, summary.timings)
        summary.report_keys += render_reports(resources, summary.published_periods, summary.timings)

    return _recorded("backfill", {"period_from": period_from, "period_to": period_to}, body)
