"""The warm worker: `submit`, `validate` and `withdraw` run in a process that has GX, Prefect and pyiceberg imported.

A one-row `junkan submit` spent most of its 9 s importing libraries in its own process. The worker imports them once
and then forks a child per command (a fork server, as Python's multiprocessing `forkserver` does): the child gets
the command's arguments, working folder and environment, and the client's own standard input, output and error
(passed over the Unix socket with `SCM_RIGHTS`), so what it prints goes straight to the member's terminal, bars
and all, and its exit code comes back to the client. Each command runs in a fresh process as before: nothing of
one command's state reaches the next.

The client side (`delegate`) imports nothing but the standard library. With no worker running it starts one in
the background and says so (the cold start, paid once); with `JUNKAN_WORKER=off`, or when the worker cannot
serve (another environment, a worker that will not start) the command runs in its own process and says why.
Ctrl-C (or SIGTERM) at the client is passed on to the child, which stops as an in-process command does (one line,
exit 130 or 143, nothing half done: tests/chaos); the client gives it 9 s, then ends it.

A worker a command started stops itself after `JUNKAN_WORKER_IDLE_STOP` idle seconds (3 h by default);
`junkan worker start` starts one that stays, `junkan worker stop` stops it. The worker never runs Polars or a
flow itself (a process that has used Polars' thread pool must not fork): it only imports, listens and forks.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from types import FrameType
from typing import Any

WARM_COMMANDS = frozenset({"submit", "validate", "withdraw"})
MODE_VARIABLE = "JUNKAN_WORKER"  # on (default), off (always in the command's own process)
HOME_VARIABLE = "JUNKAN_WORKER_OF"  # marks a worker process with its home (`running_workers`)
IDLE_VARIABLE = "JUNKAN_WORKER_IDLE_STOP"
DEFAULT_IDLE_S = 3 * 3600.0
START_TIMEOUT_S = 120.0
STOP_GRACE_S = 9.0  # from Ctrl-C to the end of the client, whatever the child does
# What the warm worker imports before it forks: the commands, flows and stages, the warehouse and the readers, the
# pages, and what Prefect and the ledger import only when a flow runs (a one-row submit imported 160 modules, 0.5 s).
WARM_MODULES = (
    "flows.cli",
    "flows.cli.stops",
    "flows.pipeline",
    "flows.runners",
    "flows.stages.check",
    "flows.stages.batch",
    "flows.stages.obligations",
    "flows.stages.preview",
    "infra.resources",
    "infra.readers",
    "infra.rendering.member_preview",
    "infra.rendering.member_report",
    "infra.rendering.period_report",
    "pyiceberg.catalog.sql",
    "pyiceberg.io.pyarrow",
    "pyiceberg.avro.decoder_fast",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "fastapi.encoders",
    "alembic.command",
    "alembic.config",
    "anyio._backends._asyncio",
    "pandas.core.methods.to_dict",
    "pyarrow.acero",
)
MAX_REQUEST = 1 << 20
STD_FDS = 3


def home_of(environment: dict[str, str]) -> Path:
    """The JUNKAN_HOME a command would use (as `Settings.resolved_home` resolves it)."""
    return Path(environment.get("JUNKAN_HOME", ".junkan")).expanduser().resolve()


def address(home: Path) -> str:
    """The worker's socket, in Linux's abstract namespace (no file to clean up, no path-length limit)."""
    return "\0junkan-worker-" + hashlib.sha256(str(home).encode()).hexdigest()[:24]


def fingerprint(environment: dict[str, str]) -> str:
    """What must be equal for a worker to run a command as the command would run itself: JUNKAN_* and PREFECT_*."""
    relevant = sorted(
        (name, value)
        for name, value in environment.items()
        if name.startswith(("JUNKAN_", "PREFECT_")) and not name.startswith((MODE_VARIABLE, HOME_VARIABLE))
    )
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()


def say(text: str) -> None:
    """One line on standard error, as junkan says things about itself."""
    sys.stderr.write(f"junkan: {text}\n")
    sys.stderr.flush()


# --- the client --------------------------------------------------------------------------------


def delegate(argv: list[str]) -> int | None:
    """Run `junkan <argv>` on the home's warm worker (starting one if none runs); None: run it in this process."""
    environment = dict(os.environ)
    mode = environment.get(MODE_VARIABLE, "on")
    if mode == "off" or not argv or argv[0] not in WARM_COMMANDS or {"--help", "-h"} & set(argv):
        return None
    home = home_of(environment)
    connection = connect(home)
    if connection is None:
        started = time.monotonic()
        connection = _start_and_connect(home, environment)
        if connection is None:
            say(f"running in this process: the warm worker did not start (see {_log_file(home)})")
            return None
        say(f"started a warm worker in {time.monotonic() - started:.1f} s (a cold start; later commands reuse it)")
    with connection:
        return _run_on(connection, argv, environment)


def connect(home: Path) -> socket.socket | None:
    """A connection to the home's worker, or None when none listens."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address(home))
    except OSError:
        connection.close()
        return None
    return connection


def _start_and_connect(home: Path, environment: dict[str, str]) -> socket.socket | None:
    """Start the home's worker in the background (stopping itself when idle) and wait until it listens."""
    idle_s = environment.get(IDLE_VARIABLE, str(DEFAULT_IDLE_S))
    worker = start_worker(home, environment, idle_s=float(idle_s))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        connection = connect(home)
        if connection is not None:
            return connection
        if worker.poll() is not None:  # it failed (another command's worker won the socket: that one serves)
            return connect(home)
        time.sleep(0.1)
    return None


def start_worker(home: Path, environment: dict[str, str], *, idle_s: float) -> subprocess.Popen[bytes]:
    """`python -m flows.worker_server` in a session of its own, its output in the worker's log."""
    log = _log_file(home)
    log.parent.mkdir(parents=True, exist_ok=True)
    child_environment = {**environment, HOME_VARIABLE: str(home), "JUNKAN_HOME": str(home)}
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "flows.worker_server", "--idle", f"{idle_s:g}"],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=child_environment,
            cwd=Path(__file__).resolve().parents[1],
            start_new_session=True,
        )


def _run_on(connection: socket.socket, argv: list[str], environment: dict[str, str]) -> int | None:
    request = json.dumps({"argv": argv, "cwd": str(Path.cwd()), "env": environment}).encode()
    socket.send_fds(connection, [len(request).to_bytes(8, "big") + request], [0, 1, 2])
    replies = _Lines(connection)
    first = replies.next(timeout_s=None)
    if first is None or "refused" in first:
        why = "the worker closed the connection" if first is None else first["refused"]
        say(f"running in this process: {why}")
        return None
    child = int(first["pid"])
    stopping: dict[str, float] = {}

    def pass_on(signum: int, frame: FrameType | None) -> None:
        stopping.setdefault("at", time.monotonic())
        with suppress(ProcessLookupError):
            os.kill(child, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, pass_on)
    while True:
        try:
            last = replies.next(timeout_s=0.5)
        except TimeoutError:
            if "at" in stopping and time.monotonic() - stopping["at"] > STOP_GRACE_S:
                with suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                return 130
            continue
        if last is None:
            say("the warm worker ended before the command did; run it again")
            return 1
        return int(last["exit"])


class _Lines:
    """JSON lines from the worker, read with a timeout that leaves the stream usable (unlike `makefile`)."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""

    def next(self, *, timeout_s: float | None) -> dict[str, Any] | None:
        """The next reply; None at the end; TimeoutError when none came within the timeout."""
        while b"\n" not in self.buffer:
            self.connection.settimeout(timeout_s)
            try:
                chunk = self.connection.recv(4096)
            except InterruptedError:
                continue
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        reply: dict[str, Any] = json.loads(line)
        return reply


def _log_file(home: Path) -> Path:
    return home / "worker" / "worker.log"


def running_workers() -> list[tuple[int, Path]]:
    """Every warm worker of this user: (pid, home)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "environ").read_bytes()
            arguments = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"flows.worker_server" not in arguments:
            continue
        for item in raw.split(b"\0"):
            if item.startswith(HOME_VARIABLE.encode() + b"="):
                found.append((int(entry.name), Path(item.split(b"=", 1)[1].decode(errors="replace"))))
    return sorted(found)


def stop_worker(home: Path, *, timeout_s: float = 15.0) -> int | None:
    """Stop the home's worker (after the commands it runs); its pid, or None when none ran."""
    for pid, of in running_workers():
        if of == home:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                with suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
                time.sleep(0.1)
            return pid
    return None
