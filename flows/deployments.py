"""Prefect deployments of the pipeline, served by `junkan serve`: nightly on a cron, ingest on upload events.

How a burst of uploads becomes a handful of runs (500 uploads in a minute → about two runs, not 500):

- The `ingest` deployment's trigger is *reactive with threshold 1 within W seconds*
  (`JUNKAN_INGEST_WINDOW_SECONDS`, default 30): Prefect fires on the first `junkan.submission.received`
  and ignores further events until W seconds after that first event, then fires on the next one.
- The triggered flow, `ingest-pending` (flows/pipeline.py), takes no object list: it sweeps the inbox
  against the ledger and validates everything pending, like `nightly`. Because the trigger ignored the
  rest of its window, the run keeps sweeping until W seconds after it started and a sweep finds nothing
  new (the trailing edge): every object whose event fell in the ignored part of the window was written
  before that last sweep.
- The deployment has a concurrency limit of 1 with ENQUEUE: a firing while a run is busy waits for it
  instead of racing it over the same ledger rows, and when it starts it finds little or nothing and exits.

Redeploying is idempotent: deployments are upserted by name, the cron schedule carries a slug (updated in
place, never duplicated) and the trigger's automation is replaced.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy, FlowRun
from prefect.deployments.runner import RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.events.schemas.automations import Posture
from prefect.schedules import Cron

from flows import pipeline
from flows.stages.publish import period_bounds
from infra.events import RESOURCE_PREFIX, SUBMISSION_RECEIVED
from infra.settings import Settings, get_settings

logger = logging.getLogger(__name__)

NIGHTLY_SCHEDULE_SLUG = "nightly-cron"
INGEST_TRIGGER_NAME = "junkan-ingest-on-upload"
BACKFILL_DEPLOYMENT = "backfill/backfill"


def build_deployments(settings: Settings) -> list[RunnerDeployment]:
    """The `nightly`, `ingest`, `backfill` and `release` deployments for these settings."""
    window = timedelta(seconds=settings.ingest_window_seconds)
    nightly = pipeline.nightly.to_deployment(
        name="nightly",
        schedules=[Cron(settings.nightly_cron, timezone=settings.timezone, slug=NIGHTLY_SCHEDULE_SLUG)],
        # A nightly sweep still running covers the next one's work.
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Sweep the inbox, validate everything waiting, republish affected periods.",
    )
    ingest = pipeline.ingest_pending.to_deployment(
        name="ingest",
        triggers=[
            DeploymentEventTrigger(
                name=INGEST_TRIGGER_NAME,
                description="Uploads to the inbox, at most one run per window (see flows/deployments.py).",
                expect={SUBMISSION_RECEIVED},
                match={"prefect.resource.id": f"{RESOURCE_PREFIX}*"},
                posture=Posture.Reactive,
                threshold=1,
                within=window,
                parameters={"settle_seconds": settings.ingest_window_seconds, "first_key": "{{ event.payload.key }}"},
            )
        ],
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        description="Ingest uploads announced by junkan.submission.received events.",
    )
    backfill = pipeline.backfill.to_deployment(
        name="backfill",
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        description="Republish every period between period_from and period_to from the core tables.",
    )
    # Public tables change only here: the secretariat runs it (`junkan release`, or from the UI) or schedules it.
    release = pipeline.release.to_deployment(
        name="release",
        schedules=[Cron(settings.release_cron, timezone=settings.timezone, slug="release-cron")]
        if settings.release_cron
        else None,
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        description="Release periods: rebuild their public tables, protected against earlier releases, and tag them.",
    )
    return [_built(nightly), _built(ingest), _built(backfill), _built(release)]


def _built(deployment: object) -> RunnerDeployment:
    """`to_deployment` is sync-compatible: outside an event loop it returns the deployment, not a coroutine."""
    assert isinstance(deployment, RunnerDeployment)
    return deployment


def serve_deployments(settings: Settings, *, poll_seconds: float = 2.0) -> None:
    """Register the deployments with the Prefect server and run their flows until interrupted."""
    from prefect import serve

    serve(*build_deployments(settings), print_starting_message=False, query_seconds=poll_seconds)


def prefect_api_url(settings: Settings) -> str | None:
    """The configured Prefect server (JUNKAN_PREFECT_API_URL, else PREFECT_API_URL), or None for inline runs."""
    return settings.prefect_api_url or os.environ.get("PREFECT_API_URL") or None


def backfill_idempotency_key(period_from: str, period_to: str, *, today: date) -> str:
    """The same backfill asked twice on one day is one run.

    Examples:
        >>> backfill_idempotency_key("FY2023", "FY2024", today=date(2025, 4, 1))
        'backfill:FY2023:FY2024:2025-04-01'

    """
    return f"backfill:{period_from}:{period_to}:{today.isoformat()}"


def submit_backfill(period_from: str, period_to: str) -> str | None:
    """Submit a run of the backfill deployment and return its id; None when no server is configured (run inline).

    Raises ValueError for a period that is not one, and RuntimeError when the server has no backfill
    deployment (nobody runs `junkan serve`).
    """
    period_bounds(period_from)  # fail fast, before anything is queued
    period_bounds(period_to)
    settings = get_settings()
    api_url = prefect_api_url(settings)
    if api_url is None:
        return None
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    today = datetime.now(ZoneInfo(settings.timezone)).date()
    key = backfill_idempotency_key(period_from, period_to, today=today)
    with temporary_settings({PREFECT_API_URL: api_url}):
        try:
            run = run_deployment(
                BACKFILL_DEPLOYMENT,
                parameters={"period_from": period_from, "period_to": period_to},
                timeout=0,
                idempotency_key=key,
                as_subflow=False,
            )
        except ObjectNotFound:
            msg = (
                f"the Prefect server {api_url} has no deployment {BACKFILL_DEPLOYMENT}; start `junkan serve`, "
                "or unset PREFECT_API_URL and JUNKAN_PREFECT_API_URL to run the backfill here"
            )
            raise RuntimeError(msg) from None
    assert isinstance(run, FlowRun)  # called outside an event loop, run_deployment returns the run itself
    logger.info("submitted backfill %s → %s as flow run %s (key %s)", period_from, period_to, run.id, key)
    return str(run.id)
