"""`junkan server start | stop | status`: the background Prefect server that flow commands share.

`register(app)` adds the group to the main CLI; `prepare_flows` is what a flow command calls before it imports
Prefect. Only infra/devservers/prefect.py is imported (no Prefect), so these commands answer in well under a second
when the server already runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from infra.redact import redact_url

if TYPE_CHECKING:
    from infra.devservers.prefect import LocalPrefectServer, ServerStart
    from infra.settings import Settings

server_app = typer.Typer(
    help="The background Prefect server (API and UI) that flow commands start once and then reuse.",
    no_args_is_help=True,
)


def prepare_flows(settings: Settings) -> ServerStart | None:
    """Prepare this process to run flows: environment, then Prefect's server, before Prefect is imported.

    Returns the background server when it is the one used (and says where its UI is when this command started
    it); None for a configured server or Prefect's in-process one.
    """
    from flows.runtime import prepare_environment, use_prefect_server
    from infra.devservers.prefect import ServerError

    prepare_environment(settings)
    try:
        start = use_prefect_server(settings)
    except ServerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if start is not None and start.started:
        typer.echo(
            f"Prefect UI: {start.server.ui_url} (a server in the background, reused by later commands; "
            "`junkan server stop` stops it)",
            err=True,
        )
    return start


def _server() -> tuple[LocalPrefectServer, Settings]:
    from infra.devservers.prefect import LocalPrefectServer
    from infra.settings import get_settings

    settings = get_settings()
    return LocalPrefectServer.from_settings(settings), settings


@server_app.command("start")
def start() -> None:
    """Start the background Prefect server of JUNKAN_HOME (or find the running one) and print its addresses."""
    from infra.devservers.prefect import ServerError

    server, settings = _server()
    if settings.prefect_api_url:
        shown = redact_url(settings.prefect_api_url)
        typer.echo(f"note: JUNKAN_PREFECT_API_URL is set ({shown}): flow commands use that server")
    try:
        found = server.start()
    except ServerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    state = "started" if found.started else "already running"
    typer.echo(f"Prefect server {state} (pid {found.server.pid}), log {server.log_file}")
    typer.echo(f"Prefect UI: {found.server.ui_url}")
    typer.echo(f"API: {found.server.api_url}")


@server_app.command("stop")
def stop() -> None:
    """Stop the background Prefect server of JUNKAN_HOME and wait until it has exited."""
    server, _ = _server()
    stopped = server.stop()
    if stopped is None:
        typer.echo("Prefect server not running")
    else:
        typer.echo(f"Prefect server stopped (pid {stopped.pid})")


@server_app.command("status")
def status() -> None:
    """Say whether the background Prefect server of JUNKAN_HOME runs, and where, and list your other ones.

    Exit 0 when this home's runs, 3 when not.
    """
    server, settings = _server()
    if settings.prefect_api_url:
        shown = redact_url(settings.prefect_api_url)
        typer.echo(f"flow commands use the configured server {shown} (JUNKAN_PREFECT_API_URL)")
    found = server.find()
    _list_others(server.run_dir)
    _list_workers()
    if found is None:
        typer.echo("Prefect server not running (the next flow command starts it)")
        raise typer.Exit(3)
    health = "healthy" if found.is_healthy() else f"not answering {found.api_url}/health (see {server.log_file})"
    typer.echo(f"Prefect server running (pid {found.pid}), {health}")
    typer.echo(f"Prefect UI: {found.ui_url}")
    typer.echo(f"API: {found.api_url}")


def _list_others(run_dir: Path) -> None:
    """Every other background server of this user, with its home: each costs memory while it runs."""
    from infra.devservers.processes import running_servers

    others = [found for found in running_servers() if found.run_dir.resolve() != run_dir.resolve()]
    if not others:
        return
    typer.echo(
        f"{len(others)} other Prefect server(s) of yours are running (stop one: JUNKAN_HOME=<home> junkan server stop):"
    )
    for other in others:
        where = f"http://127.0.0.1:{other.port}/" if other.port else "port unknown"
        typer.echo(f"  pid {other.pid}  {where}  home {other.home}")


def _list_workers() -> None:
    """Every warm worker of this user, with its home (`junkan worker stop` in that home stops one)."""
    from flows.worker import running_workers

    for pid, home in running_workers():
        typer.echo(f"warm worker pid {pid}  home {home}")


def register(app: typer.Typer) -> None:
    """Add the `server` group to the main CLI (once, even when called twice)."""
    if all(group.name != "server" for group in app.registered_groups):
        app.add_typer(server_app, name="server")
