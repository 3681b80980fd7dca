"""The `junkan` command: operators' and members' entry point; one module per command group.

Heavy libraries (Prefect, GX, pyiceberg) are imported inside commands, so `junkan --help` is instant.
"""

from __future__ import annotations

import os

import typer

# Polars' allocator (jemalloc) hands freed pages back at once instead of keeping them for reuse, so a
# worker's resident memory follows its working set (one part of a large file): ~10 % more CPU in the
# validation of a large file, a fifth less peak memory. Set before Polars is first imported.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from flows.cli import (  # noqa: E402
    bi,
    demo,
    followup,
    members,
    portal,
    prefect_server,
    reference,
    report,
    serve,
    sources,
    submissions,
    tables,
    template,
    worker,
)

app = typer.Typer(
    name="junkan",
    help="junkan (循環): members' circular-economy data → validated → material-flow tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


GROUPS = (
    members,
    submissions,
    tables,
    demo,
    report,
    followup,
    sources,
    serve,
    prefect_server,
    worker,
    bi,
    reference,
    template,
    portal,
)
for group in GROUPS:
    group.register(app)


def main() -> None:
    """Console-script entry point: the app, stopped by SIGINT or SIGTERM with one line and exit 130 or 143."""
    from flows.cli.stops import stoppable

    with stoppable():
        app()
