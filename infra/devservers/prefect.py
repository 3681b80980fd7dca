"""A Prefect server in the background for the embedded default: started by the first command, reused after.

Without a configured server Prefect starts a temporary API server inside every process that runs a flow,
15–30 s per command on 2 cores. Instead one `prefect server start` (API, UI, services) runs on 127.0.0.1
in its own session, and later commands find it by its pid file, port file and `/api/health`.

This is the one implementation: `junkan server start|stop|status` and `infra/devservers/scripts/prefect.sh`
(the tests', the benchmarks' and the Makefile's, `python -m infra.devservers.prefect`) both drive it. Prefect's
own `prefect server start --background` / `prefect server stop` (3.9) do not do the job: the start returns
before the API answers, takes a fixed port, and the stop signals one process without waiting, leaving the
server's workers behind; two commands starting at once both start one.

A server a command starts implicitly stops itself after JUNKAN_PREFECT_IDLE_STOP idle seconds (3 h by default,
as Gradle's daemon): a watchdog in the server's process group stops it once no flow run is active and no command
has used it for that long. `running_servers` finds every one of the user's servers, whatever its home.

Files live in `JUNKAN_HOME/prefect-server/` (prefect.pid, port, prefect.log, last_used). The server's PREFECT_HOME is
`JUNKAN_HOME/prefect`, the one the CLI gives Prefect's in-process server, so its SQLite database (flow runs,
Secret blocks) is the same whichever of the two runs. Nothing here imports Prefect: a command that only
reads the pid file stays cheap.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from infra.devservers.loopback import free_port, log_tail
from infra.devservers.processes import (
    HOST,
    RUN_DIRECTORY_VARIABLE,
    active_flow_runs,
    health_ok,
    is_prefect_server,
    port_in_use,
)
from infra.settings import Settings

logger = logging.getLogger(__name__)

RUN_DIRECTORY = "prefect-server"
# Client and per-run settings that must not leak into the server; the database URL may (as in prefect.sh).
_SERVER_KEEPS = frozenset({"PREFECT_API_DATABASE_CONNECTION_URL"})
# A free port can be taken by another program between choosing it and the server binding it: try again.
_START_ATTEMPTS = 3
# Popen objects of servers this process started: kept so that Python does not warn that a child still runs,
# and so that `stop` can reap its own child instead of waiting on a zombie.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class ServerError(RuntimeError):
    """The background Prefect server could not be started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class RunningServer:
    """A background Prefect server: its process (also its process group) and port on 127.0.0.1."""

    pid: int
    port: int

    @property
    def api_url(self) -> str:
        """What PREFECT_API_URL must be for a client of this server."""
        return f"http://{HOST}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        """The Prefect UI in a browser."""
        return f"http://{HOST}:{self.port}/"

    def is_healthy(self, *, timeout_s: float = 2.0) -> bool:
        """Whether `/api/health` answers 200 now."""
        return health_ok(self.api_url, timeout_s=timeout_s)


@dataclass(frozen=True)
class ServerStart:
    """What `start` found: the server, and whether this call started it (False: an earlier command did)."""

    server: RunningServer
    started: bool


def _prefect_command() -> list[str]:
    """The `prefect` executable of this environment (beside the running Python), else `python -m prefect`."""
    script = Path(sys.executable).parent / "prefect"
    return [str(script)] if script.exists() else [sys.executable, "-m", "prefect"]


class LocalPrefectServer:
    """Start, find and stop the background Prefect server of one JUNKAN_HOME."""

    def __init__(
        self,
        home: Path,
        *,
        port: int | None = None,
        start_timeout_s: float = 180.0,
        stop_timeout_s: float = 30.0,
        ui: bool = True,
    ) -> None:
        self.home = home
        self.ui = ui  # the point of a lasting server: runs and logs to look at; tests start theirs without
        self.run_dir = home / RUN_DIRECTORY
        self.prefect_home = home / "prefect"
        self.port = port
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalPrefectServer:
        """The server of settings' JUNKAN_HOME, on JUNKAN_PREFECT_PORT if set."""
        return cls(settings.resolved_home, port=settings.prefect_port, start_timeout_s=settings.prefect_start_timeout)

    @property
    def pid_file(self) -> Path:
        """The server's pid (also its process-group id)."""
        return self.run_dir / "prefect.pid"

    @property
    def port_file(self) -> Path:
        """The port the server listens on."""
        return self.run_dir / "port"

    @property
    def log_file(self) -> Path:
        """What the server prints."""
        return self.run_dir / "prefect.log"

    def find(self) -> RunningServer | None:
        """The running server from the pid and port files, or None; files left by a dead server are removed."""
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
            port = int(self.port_file.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            return None
        except ValueError:
            self._forget()
            return None
        if not is_prefect_server(pid):
            logger.info("removing the stale pid file of Prefect server %d (%s)", pid, self.pid_file)
            self._forget()
            return None
        return RunningServer(pid=pid, port=port)

    @property
    def last_used_file(self) -> Path:
        """Touched by every command that uses the server: the watchdog's measure of idleness."""
        return self.run_dir / "last_used"

    def touch(self) -> None:
        """Say that a command uses the server now (the idle period starts again)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.last_used_file.touch()

    def start(self, *, idle_stop_s: float | None = None) -> ServerStart:
        """The running server, or a new one started in the background and answering its health URL.

        Concurrent callers queue on a lock file, so two commands never start two servers for one home. A server
        started here with `idle_stop_s` stops itself after that many idle seconds (`watch`).
        """
        with self._lock():
            running = self.find()
            if running is not None:
                if self._wait_healthy(running):
                    return ServerStart(server=running, started=False)
                msg = (
                    f"the Prefect server (pid {running.pid}) of {self.home} does not answer {running.api_url}/health; "
                    f"see {self.log_file}, then run: junkan server stop"
                )
                raise ServerError(msg)
            for attempt in range(1, _START_ATTEMPTS + 1):
                port = self.port or free_port()
                if self.port is not None and port_in_use(port):
                    msg = f"port {HOST}:{port} is taken by another program; set JUNKAN_PREFECT_PORT to a free one"
                    raise ServerError(msg)
                server = self._spawn(port)
                if self._wait_healthy(server):
                    logger.info("Prefect server started (pid %d) on %s", server.pid, server.api_url)
                    if idle_stop_s:
                        self._spawn_watchdog(server, idle_stop_s)
                    return ServerStart(server=server, started=True)
                exited = not is_prefect_server(server.pid)
                self._kill(server.pid)
                self._forget()
                if not exited or self.port is not None or attempt == _START_ATTEMPTS:
                    why = "exited during start-up" if exited else f"did not answer within {self.start_timeout_s:g} s"
                    msg = f"the Prefect server {why}; the last lines of {self.log_file}:\n{log_tail(self.log_file)}"
                    raise ServerError(msg)
        msg = "unreachable"  # the loop returns or raises
        raise AssertionError(msg)

    def stop(self) -> RunningServer | None:
        """Stop the running server (its whole process group) and wait for it; the stopped server, or None."""
        with self._lock():
            running = self.find()
            self._stop_watchdog()
            if running is None:
                return None
            self._kill(running.pid)
            self._forget()
            return running

    def _spawn(self, port: int) -> RunningServer:
        """Start `prefect server start` in its own session, output appended to the log file."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.prefect_home.mkdir(parents=True, exist_ok=True)
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("PREFECT_") or name in _SERVER_KEEPS
        }
        environment |= {
            "PREFECT_HOME": str(self.prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true" if self.ui else "false",
            "DO_NOT_TRACK": "1",
            RUN_DIRECTORY_VARIABLE: str(self.run_dir),
        }
        command = [*_prefect_command(), "server", "start", "--host", HOST, "--port", str(port), "--analytics-off"]
        command.append("--ui" if self.ui else "--no-ui")
        with self.log_file.open("ab") as log:
            log.write(f"=== junkan: prefect server start on {HOST}:{port} at {time.strftime('%FT%T%z')} ===\n".encode())
            log.flush()
            process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.run_dir,
                start_new_session=True,  # its own process group: `stop` signals the server and its workers
            )
        _CHILDREN[process.pid] = process
        self.port_file.write_text(f"{port}\n", encoding="utf-8")
        self.pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
        return RunningServer(pid=process.pid, port=port)

    @property
    def watchdog_file(self) -> Path:
        """The pid of the server's idle watchdog, when it has one."""
        return self.run_dir / "watchdog.pid"

    def _spawn_watchdog(self, server: RunningServer, idle_stop_s: float) -> None:
        """`watch` in a session of its own (a process cannot join the server's), its pid beside the server's."""
        self.touch()
        command = [sys.executable, "-m", "infra.devservers.prefect_script", "watch", "--idle", f"{idle_stop_s:g}"]
        # Not marked as a server (RUN_DIRECTORY_VARIABLE): `running_servers` lists servers only.
        environment = {name: value for name, value in os.environ.items() if name != RUN_DIRECTORY_VARIABLE}
        environment["JUNKAN_HOME"] = str(self.home)
        with self.log_file.open("ab") as log:
            watchdog = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=Path(__file__).resolve().parents[2],
                start_new_session=True,
            )
        _CHILDREN[watchdog.pid] = watchdog
        self.watchdog_file.write_text(f"{watchdog.pid}\n", encoding="utf-8")
        logger.info("Prefect server %d stops itself after %g idle seconds", server.pid, idle_stop_s)

    def _stop_watchdog(self) -> None:
        """End the idle watchdog of the stopped server (unless this process is it)."""
        try:
            pid = int(self.watchdog_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return
        self.watchdog_file.unlink(missing_ok=True)
        if pid == os.getpid():
            return
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return
        if "infra.devservers.prefect_script" in arguments and "watch" in arguments:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        child = _CHILDREN.pop(pid, None)
        if child is not None:
            child.wait(timeout=self.stop_timeout_s)

    def watch(self, idle_stop_s: float, *, poll_s: float | None = None) -> None:
        """Stop this home's server once it has been idle for `idle_stop_s`: no active flow run, no command's touch.

        Runs until the server is gone (stopped here, or by anyone else: `stop` ends this process too).
        """
        poll_s = poll_s or min(30.0, max(1.0, idle_stop_s / 5))
        busy_at = time.time()
        while True:
            time.sleep(poll_s)
            running = self.find()
            if running is None:
                return
            if active_flow_runs(running.api_url) != 0:  # busy, or the API does not answer: never stop then
                busy_at = time.time()
                continue
            with suppress(FileNotFoundError):
                busy_at = max(busy_at, self.last_used_file.stat().st_mtime)
            if time.time() - busy_at >= idle_stop_s:
                logger.info("Prefect server %d idle for %g s: stopping it", running.pid, idle_stop_s)
                with self.log_file.open("a", encoding="utf-8") as log:
                    log.write(f"=== junkan: idle for {idle_stop_s:g} s, stopping at {time.strftime('%FT%T%z')} ===\n")
                self.stop()
                return

    def _wait_healthy(self, server: RunningServer) -> bool:
        """Wait until the server answers its health URL; False when it exits or the start timeout passes."""
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if server.is_healthy():
                return True
            if not is_prefect_server(server.pid):
                return False
            time.sleep(0.2)
        return False

    def _kill(self, pid: int) -> None:
        """SIGTERM the process group, wait for it to exit, SIGKILL after the stop timeout."""
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout_s
        while self._alive(pid):
            if time.monotonic() >= deadline:
                logger.warning("Prefect server %d ignored SIGTERM for %g s; sending SIGKILL", pid, self.stop_timeout_s)
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                break
            time.sleep(0.1)
        child = _CHILDREN.pop(pid, None)
        if child is not None:
            child.wait(timeout=self.stop_timeout_s)

    @staticmethod
    def _alive(pid: int) -> bool:
        """Whether the process still runs (a zombie child of this process counts as gone)."""
        child = _CHILDREN.get(pid)
        if child is not None:
            return child.poll() is None
        return is_prefect_server(pid)

    def _forget(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        self.port_file.unlink(missing_ok=True)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the home's start lock (an advisory lock on a file, released if the holder dies)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "start.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
