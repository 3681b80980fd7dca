"""The `junkan` console script: a warm command goes to the warm worker (`flows.worker`), the rest to the CLI.

Only the standard library is imported before that choice, so a command the worker runs starts in milliseconds.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run `junkan` on the warm worker when it can serve the command, else in this process."""
    from flows.worker import delegate

    code = delegate(sys.argv[1:])
    if code is not None:
        raise SystemExit(code)
    from flows.cli import main as in_process

    in_process()
