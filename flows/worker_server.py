"""The warm worker's own process (`python -m flows.worker_server`): warm up, listen, fork a child per command.

The client side, and what finds and stops workers, is `flows/worker.py`; this module imports the CLI whose
commands its children run, so nothing imports it.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flows.worker import DEFAULT_IDLE_S, MAX_REQUEST, STD_FDS, WARM_MODULES, address, fingerprint, home_of, say


@dataclass
class _Running:
    connection: socket.socket
    # Readable once the child has exited (a pidfd), so the loop wakes then: polling found a command's end up to
    # 0.2 s late (0.1 s of every warm command on average). None where the system has no pidfds: polling finds it.
    ended: int | None = None


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
    from flows.stages.fingerprint import code_digest
    from infra.rendering.templates import environment, template

    preload()  # GX's context and every contract's suite, built once and inherited by every command
    code_digest()  # of the code every command of this worker runs (what whole tables are built by)
    for name in environment().list_templates():
        template(name)  # Jinja compiles a page on its first render: 0.3-0.4 s of every submit's reports


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
    say(f"warm worker {os.getpid()} serving {home}" + (f", stopping after {idle_s:g} idle seconds" if idle_s else ""))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    running: dict[int, _Running] = {}
    last_active = time.monotonic()
    stop_requested: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_requested.append(signum))
    listening = True
    while True:
        if stop_requested and listening:
            selector.unregister(listener)  # asked to stop: no new command, the running ones finish
            listener.close()
            listening = False
        for key, _events in selector.select(timeout=0.2) if selector.get_map() else []:
            if key.fileobj is not listener:
                continue  # a child's pidfd: it ended, and is reaped below
            with suppress(BlockingIOError):
                connection, _ = listener.accept()
                child = _accept(connection, listener, expected, running)
                if child is not None and child.ended is not None:
                    selector.register(child.ended, selectors.EVENT_READ)
                last_active = time.monotonic()
        if not selector.get_map():
            time.sleep(0.2)
        for pid, status in _finished(running):
            done = running.pop(pid)
            if done.ended is not None:
                selector.unregister(done.ended)
                os.close(done.ended)
            with suppress(OSError):
                done.connection.sendall(json.dumps({"exit": status}).encode() + b"\n")
            last_active = time.monotonic()
        if stop_requested and not running:
            break
        if idle_s and not running and time.monotonic() - last_active >= idle_s:
            say(f"warm worker {os.getpid()} idle for {idle_s:g} s: stopping")
            break
    with suppress(OSError):
        listener.close()
    (home / "worker" / "worker.pid").unlink(missing_ok=True)


def _accept(
    connection: socket.socket, listener: socket.socket, expected: str, running: dict[int, _Running]
) -> _Running | None:
    """Read a request and fork its command; the running child, or None when the request was refused."""
    connection.setblocking(True)
    connection.settimeout(10.0)
    try:
        request, fds = _request(connection)
    except (OSError, ValueError) as error:
        connection.close()
        say(f"a request could not be read: {error}")
        return None
    if fingerprint(request["env"]) != expected:
        for fd in fds:
            os.close(fd)
        refused = "its JUNKAN_*/PREFECT_* settings differ from the warm worker's (junkan worker stop, then retry)"
        connection.sendall(json.dumps({"refused": refused}).encode() + b"\n")
        connection.close()
        return None
    # What the worker imported is permanent for the child: its collections then skip those objects instead of
    # walking (and so copying) every page of them: 0.1-0.3 s of a one-row submit's 2 s of CPU.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child: becomes the command
        listener.close()
        connection.close()
        _become_command(request, fds)
    for fd in fds:
        os.close(fd)
    running[pid] = _Running(connection, _pidfd(pid))
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    return running[pid]


def _pidfd(pid: int) -> int | None:
    """A descriptor of the child that becomes readable when it exits (Linux 5.3 on), or None."""
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _request(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    head, fds, _flags, _address = socket.recv_fds(connection, 8 + 65536, STD_FDS)
    if len(fds) != STD_FDS or len(head) < 8:
        for fd in fds:
            os.close(fd)
        msg = "expected the command's standard input, output and error"
        raise ValueError(msg)
    size = int.from_bytes(head[:8], "big")
    if size > MAX_REQUEST:
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


def main(arguments: list[str] | None = None) -> int:
    """`python -m flows.worker_server [--idle S]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="flows.worker_server")
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_S, help="idle seconds before stopping (0: never)")
    serve(idle_s=parser.parse_args(arguments).idle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
