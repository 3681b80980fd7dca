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
import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
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
# What the warm worker imports before it forks: the commands, flows and stages, the warehouse and the readers.
WARM_MODULES = (
    "flows.cli",
    "flows.pipeline",
    "flows.stages.check",
    "flows.stages.batch",
    "infra.resources",
    "infra.readers",
    "pyiceberg.catalog.sql",
    "pyiceberg.io.pyarrow",
)
_MAX_REQUEST = 1 << 20
_STD_FDS = 3


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


def _say(text: str) -> None:
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
            _say(f"running in this process: the warm worker did not start (see {_log_file(home)})")
            return None
        _say(f"started a warm worker in {time.monotonic() - started:.1f} s (a cold start; later commands reuse it)")
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
    """`python -m flows.worker serve` in a session of its own, its output in the worker's log."""
    log = _log_file(home)
    log.parent.mkdir(parents=True, exist_ok=True)
    child_environment = {**environment, HOME_VARIABLE: str(home), "JUNKAN_HOME": str(home)}
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "flows.worker", "serve", "--idle", f"{idle_s:g}"],
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
        _say(f"running in this process: {why}")
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
            _say("the warm worker ended before the command did; run it again")
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


# --- the worker --------------------------------------------------------------------------------


@dataclass
class _Running:
    connection: socket.socket


def _warm_up() -> None:
    """Import what commands need and point Prefect at its server, before anything forks. No Polars work here."""
    from flows.runtime import prepare_environment, use_prefect_server
    from infra.settings import get_settings

    settings = get_settings()
    prepare_environment(settings)
    use_prefect_server(settings)  # before Prefect is imported: its settings are read at import
    for module in WARM_MODULES:
        importlib.import_module(module)
    from expectations.gx_suite import preload

    preload()  # GX's context and every contract's suite, built once and inherited by every command


def serve(*, idle_s: float) -> None:
    """Listen on the home's socket and fork a child per command until idle for `idle_s` (0: never)."""
    home = home_of(dict(os.environ))
    expected = fingerprint(dict(os.environ))
    _warm_up()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address(home))
    listener.listen(64)
    listener.setblocking(False)
    (home / "worker").mkdir(parents=True, exist_ok=True)
    (home / "worker" / "worker.pid").write_text(f"{os.getpid()}\n", encoding="utf-8")
    _say(f"warm worker {os.getpid()} serving {home}" + (f", stopping after {idle_s:g} idle seconds" if idle_s else ""))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    running: dict[int, _Running] = {}
    last_active = time.monotonic()
    stop_requested: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_requested.append(signum))
    while True:
        if stop_requested and selector.get_map():
            selector.unregister(listener)  # asked to stop: no new command, the running ones finish
            listener.close()
        for _key, _events in selector.select(timeout=0.2) if selector.get_map() else []:
            with suppress(BlockingIOError):
                connection, _ = listener.accept()
                _accept(connection, listener, expected, running)
                last_active = time.monotonic()
        if not selector.get_map():
            time.sleep(0.2)
        for pid, status in _finished(running):
            with suppress(OSError):
                running.pop(pid).connection.sendall(json.dumps({"exit": status}).encode() + b"\n")
            last_active = time.monotonic()
        if stop_requested and not running:
            break
        if idle_s and not running and time.monotonic() - last_active >= idle_s:
            _say(f"warm worker {os.getpid()} idle for {idle_s:g} s: stopping")
            break
    with suppress(OSError):
        listener.close()
    (home / "worker" / "worker.pid").unlink(missing_ok=True)


def _accept(connection: socket.socket, listener: socket.socket, expected: str, running: dict[int, _Running]) -> None:
    connection.setblocking(True)
    connection.settimeout(10.0)
    try:
        request, fds = _request(connection)
    except (OSError, ValueError) as error:
        connection.close()
        _say(f"a request could not be read: {error}")
        return
    if fingerprint(request["env"]) != expected:
        for fd in fds:
            os.close(fd)
        refused = "its JUNKAN_*/PREFECT_* settings differ from the warm worker's (junkan worker stop, then retry)"
        connection.sendall(json.dumps({"refused": refused}).encode() + b"\n")
        connection.close()
        return
    pid = os.fork()
    if pid == 0:  # the child: becomes the command
        listener.close()
        connection.close()
        _become_command(request, fds)
    for fd in fds:
        os.close(fd)
    running[pid] = _Running(connection)
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _request(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    head, fds, _flags, _address = socket.recv_fds(connection, 8 + 65536, _STD_FDS)
    if len(fds) != _STD_FDS or len(head) < 8:
        for fd in fds:
            os.close(fd)
        msg = "expected the command's standard input, output and error"
        raise ValueError(msg)
    size = int.from_bytes(head[:8], "big")
    if size > _MAX_REQUEST:
        msg = f"a request of {size} bytes is too large"
        raise ValueError(msg)
    body = bytearray(head[8:])
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            msg = "the request was cut short"
            raise ValueError(msg)
        body += chunk
    return json.loads(bytes(body)), list(fds)


def _become_command(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the client's terminal, folder and environment, run the command, exit with it."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, encoding=sys.stdin.encoding, closefd=False)  # noqa: SIM115 - the process's own fds
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        os.setsid()  # its own group: the client signals it by pid
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
        os.chdir(request["cwd"])
        keep = {name: os.environ[name] for name in ("PREFECT_API_URL",) if name in os.environ}
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(keep)
        sys.argv = ["junkan", *request["argv"]]
        from flows.cli import main

        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        with suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _finished(running: dict[int, _Running]) -> list[tuple[int, int]]:
    done = []
    for pid in list(running):
        with suppress(ChildProcessError):
            waited, status = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                code = os.waitstatus_to_exitcode(status)
                done.append((pid, 128 - code if code < 0 else code))  # killed by signal N: 128 + N, as a shell says
    return done


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
        if b"flows.worker\0serve" not in arguments:
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


def main(arguments: list[str] | None = None) -> int:
    """`python -m flows.worker serve [--idle S]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="flows.worker")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_S, help="idle seconds before stopping (0: never)")
    serve(idle_s=parser.parse_args(arguments).idle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
