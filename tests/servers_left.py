"""Prefect servers junkan started (infra/devservers/prefect.py, its scripts/prefect.sh) that still run after tests.

Every pytest session checks at its end (tests/conftest.py) and `make test` ends with `python -m tests.servers_left`:
a test that starts a server must stop it. A server belongs to a test run when its environment carries the run's
token (TEST_RUN_OF_JUNKAN, inherited from pytest or make), so servers of other people on the machine are left
alone. The variable has neither the JUNKAN_ nor the PREFECT_ prefix because fixtures strip those from children.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from infra.devservers.processes import running_servers

TOKEN_VARIABLE = "TEST_RUN_OF_JUNKAN"


@dataclass(frozen=True)
class LeftServer:
    """A junkan-started Prefect server of this test run that is still running."""

    pid: int
    run_dir: str


def left_servers(token: str) -> list[LeftServer]:
    """junkan's Prefect servers (`running_servers`) whose environment carries `token`."""
    return [
        LeftServer(pid=found.pid, run_dir=str(found.run_dir))
        for found in running_servers()
        if found.environment.get(TOKEN_VARIABLE) == token
    ]


def stop(server: LeftServer, *, timeout_s: float = 30.0) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there after the timeout."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sent)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _running(server.pid):
                return
            time.sleep(0.1)


def _running(pid: int) -> bool:
    """Whether the process still runs; a zombie (reaped here if it is this process's child) does not."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def describe(servers: list[LeftServer]) -> str:
    """What a failing check says: which servers were left and where their state is."""
    lines = [f"{len(servers)} Prefect server(s) started by junkan were still running after the tests (now stopped):"]
    lines += [f"  pid {server.pid}, run directory {server.run_dir}" for server in servers]
    lines.append("a test that starts a server must stop it (junkan server stop, or the local_prefect fixture)")
    return "\n".join(lines)


def main() -> int:
    """Exit 1 (after stopping them) when servers of this run's token are still running, else 0."""
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        sys.stderr.write(f"{TOKEN_VARIABLE} is not set: nothing marks this test run's servers\n")
        return 2
    servers = left_servers(token)
    for server in servers:
        stop(server)
    if servers:
        sys.stderr.write(describe(servers) + "\n")
        return 1
    sys.stdout.write("no Prefect server left running by this test run\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
