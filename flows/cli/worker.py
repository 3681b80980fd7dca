"""`junkan worker start | stop | status`: the warm worker that runs submit, validate and withdraw (flows/worker.py).

A command starts one implicitly when none runs (and that one stops itself when idle); `start` starts one that
stays until `stop`.
"""

from __future__ import annotations

import os
import time

import typer

worker_app = typer.Typer(
    help="The warm worker: submit, validate and withdraw run in a process that has the heavy libraries imported.",
    no_args_is_help=True,
)


@worker_app.command("start")
def start() -> None:
    """Start the warm worker of JUNKAN_HOME (no idle stop), or say that it runs."""
    from flows import worker

    environment = dict(os.environ)
    home = worker.home_of(environment)
    running = [pid for pid, of in worker.running_workers() if of == home]
    if running:
        typer.echo(f"warm worker already running (pid {running[0]}) for {home}")
        return
    started = time.monotonic()
    process = worker.start_worker(home, environment, idle_s=0)
    while time.monotonic() - started < worker.START_TIMEOUT_S:
        connection = worker.connect(home)
        if connection is not None:
            connection.close()
            typer.echo(f"warm worker started (pid {process.pid}) in {time.monotonic() - started:.1f} s for {home}")
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    typer.echo(f"error: the warm worker did not start; see {home / 'worker' / 'worker.log'}", err=True)
    raise typer.Exit(2)


@worker_app.command("stop")
def stop() -> None:
    """Stop the warm worker of JUNKAN_HOME once the commands it runs have finished."""
    from flows import worker

    stopped = worker.stop_worker(worker.home_of(dict(os.environ)))
    typer.echo("warm worker not running" if stopped is None else f"warm worker stopped (pid {stopped})")


@worker_app.command("status")
def status() -> None:
    """Every warm worker of yours, with its home. Exit 0 when JUNKAN_HOME's runs, 3 when not."""
    from flows import worker

    home = worker.home_of(dict(os.environ))
    found = worker.running_workers()
    for pid, of in found:
        typer.echo(f"warm worker pid {pid}  home {of}" + ("  (this home)" if of == home else ""))
    if all(of != home for _, of in found):
        typer.echo(f"no warm worker for {home} (the next submit, validate or withdraw starts one)")
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    """Add the `worker` group to the main CLI (once)."""
    if all(group.name != "worker" for group in app.registered_groups):
        app.add_typer(worker_app, name="worker")
