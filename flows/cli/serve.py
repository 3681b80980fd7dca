"""`junkan serve` and `junkan events`: the long-running processes of an event-driven installation.

`register(app)` adds both commands to the main CLI; Prefect and uvicorn are imported inside them, after
`prepare_environment`, so `junkan --help` stays instant.
"""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer


def _prepare() -> None:
    """Quiet Prefect's chatter into the log file and point it at the configured server."""
    from flows.runtime import prepare_environment
    from infra.settings import get_settings

    prepare_environment(get_settings())
    # One INFO line per HTTP request (the runner polls every few seconds) would drown the log file.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    api_url = get_settings().prefect_api_url
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url


def serve(
    poll_seconds: Annotated[float, typer.Option(help="How often to look for runs to start, in seconds")] = 2.0,
    configure_minio: Annotated[
        bool, typer.Option(help="First point MinIO's webhook (with an on-disk queue) at `junkan events`")
    ] = False,
) -> None:
    """Register the nightly, ingest and backfill deployments with the Prefect server and run their flows."""
    _prepare()
    from infra.settings import get_settings

    settings = get_settings()
    if not os.environ.get("PREFECT_API_URL"):
        hint = "infra/devservers/scripts/prefect.sh url"
        typer.echo(f"error: no Prefect server; set JUNKAN_PREFECT_API_URL ({hint})", err=True)
        raise typer.Exit(2)
    if configure_minio:
        _configure_minio()
    from flows.deployments import serve_deployments
    from infra.redact import redact_url

    server = redact_url(os.environ["PREFECT_API_URL"])
    typer.echo(
        f"serving deployments nightly ({settings.nightly_cron} {settings.timezone}), ingest (on upload events, "
        f"window {settings.ingest_window_seconds:g} s) and backfill on {server}; Ctrl-C stops"
    )
    serve_deployments(settings, poll_seconds=poll_seconds)


def _configure_minio() -> None:
    """Bucket notifications for inbox writes to the receiver, queued on MinIO's disk while it is down."""
    from urllib.parse import urlsplit

    from infra.access.minio_admin import AdminConnection, MinioAdminError
    from infra.events import NOTIFICATION_PATH
    from infra.events.minio_notifications import configure_notifications
    from infra.settings import get_settings

    settings = get_settings()
    storage = urlsplit(settings.resolved_storage_url)
    if storage.scheme != "s3" or not settings.events_token.get_secret_value():
        typer.echo("error: --configure-minio needs JUNKAN_STORAGE_URL=s3://… and JUNKAN_EVENTS_TOKEN", err=True)
        raise typer.Exit(2)
    webhook = f"http://{settings.events_host}:{settings.events_port}{NOTIFICATION_PATH}"
    queue_dir = settings.resolved_home / "minio-events-queue"
    try:
        configure_notifications(
            admin=AdminConnection.from_settings(settings),
            bucket=storage.netloc,
            webhook_endpoint=webhook,
            auth_token=settings.events_token,
            queue_dir=queue_dir,
        )
    except MinioAdminError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"MinIO notifies {webhook} of writes under inbox/ (undelivered events queue in {queue_dir})")


def events() -> None:
    """Receive MinIO's upload notifications and turn inbox writes into Prefect events."""
    _prepare()
    from urllib.parse import urlsplit

    import uvicorn

    from infra.events import NOTIFICATION_PATH, create_app
    from infra.settings import get_settings

    settings = get_settings()
    storage = urlsplit(get_settings().resolved_storage_url)
    bucket = storage.netloc if storage.scheme == "s3" else None
    try:
        app = create_app(settings, bucket=bucket)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"receiving MinIO notifications on http://{settings.events_host}:{settings.events_port}{NOTIFICATION_PATH}"
        f" for {f's3://{bucket}' if bucket else 'any bucket'}; Ctrl-C stops"
    )
    uvicorn.run(app, host=settings.events_host, port=settings.events_port, log_config=None, access_log=False)


def register(app: typer.Typer) -> None:
    """Add `serve` and `events` to the main CLI (once, even when called twice)."""
    present = {command.name for command in app.registered_commands}
    if "serve" not in present:
        app.command("serve")(serve)
    if "events" not in present:
        app.command("events")(events)
