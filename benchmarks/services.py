"""Real MinIO and Prefect servers for a benchmark, started by the project's own scripts on free loopback ports.

The same scripts as tests/integration/conftest.py (`minio.sh`, `prefect.sh` in `infra/devservers/scripts/`), but
without pytest: a server that cannot start raises `ServiceError` with the script's output and log tail.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from infra.devservers.loopback import free_port, log_tail

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "infra" / "devservers" / "scripts"
JUNKAN = str(Path(sys.executable).parent / "junkan")
MINIO_START_TIMEOUT_S = 600  # MinIO is built once and cached; this only covers a slow first start
PREFECT_START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 30


class ServiceError(RuntimeError):
    """A server or a junkan process did not start or stop as it should."""


@dataclass(frozen=True)
class Servers:
    """A running MinIO (endpoint `host:port`, root credentials) and Prefect server (API URL)."""

    minio_endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    prefect_api_url: str
    home: Path


def run_script(script: str, command: str, *, env: Mapping[str, str], timeout: float, log: Path) -> str:
    """Run infra/devservers/scripts/<script> <command>; its standard output, or ServiceError if it fails."""
    try:
        done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            ["bash", str(SCRIPTS / script), command],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        msg = f"{script} {command} took more than {timeout:.0f} s\n{log_tail(log)}"
        raise ServiceError(msg) from None
    if done.returncode != 0:
        msg = f"{script} {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log_tail(log)}"
        raise ServiceError(msg)
    return done.stdout.strip()


@contextmanager
def running_servers(home: Path) -> Iterator[Servers]:
    """MinIO and a Prefect server (SQLite) with state under `home`, stopped on the way out, also on failure."""
    home.mkdir(parents=True, exist_ok=True)
    base = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "JUNKAN_"))}
    minio_port = free_port()
    access_key, secret_key = "junkan-bench", secrets.token_hex(20)
    minio_env = {
        **base,
        "JUNKAN_HOME": str(home),
        "JUNKAN_MINIO_PORT": str(minio_port),
        "JUNKAN_MINIO_CONSOLE_PORT": str(free_port()),
        "JUNKAN_S3_ACCESS_KEY": access_key,
        "JUNKAN_S3_SECRET_KEY": secret_key,
    }
    prefect_env = {**base, "JUNKAN_HOME": str(home), "JUNKAN_PREFECT_PORT": str(free_port())}
    minio_log = home / "minio" / "minio.log"
    prefect_log = home / "prefect-server" / "prefect.log"
    started: list[tuple[str, dict[str, str], Path]] = []
    try:
        run_script("minio.sh", "start", env=minio_env, timeout=MINIO_START_TIMEOUT_S, log=minio_log)
        started.append(("minio.sh", minio_env, minio_log))
        output = run_script("prefect.sh", "start", env=prefect_env, timeout=PREFECT_START_TIMEOUT_S, log=prefect_log)
        started.append(("prefect.sh", prefect_env, prefect_log))
        yield Servers(f"127.0.0.1:{minio_port}", access_key, secret_key, output.splitlines()[-1], home)
    finally:
        for script, env, log in reversed(started):
            run_script(script, "stop", env=env, timeout=90, log=log)


class JunkanProcesses:
    """Long-running `junkan` commands (serve, events) started in the background, output in `logs/<name>.log`."""

    def __init__(self, env: Mapping[str, str], logs: Path) -> None:
        self.env = dict(env)
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def run(self, *args: str, timeout: float = 300) -> str:
        """Run a short `junkan` command to completion; raise ServiceError when it fails."""
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [JUNKAN, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            msg = f"junkan {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}"
            raise ServiceError(msg)
        return done.stdout

    def start(self, name: str, *args: str) -> int:
        """Start `junkan <args>` in the background; returns its pid."""
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as output:
            process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                [JUNKAN, *args],
                cwd=REPO,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopping it also stops the flow runs it spawned
            )
        self.processes[name] = process
        return process.pid

    def exited(self) -> dict[str, int]:
        """Background commands that have exited, with their exit codes."""
        return {name: code for name, process in self.processes.items() if (code := process.poll()) is not None}

    def stop_all(self) -> None:
        """SIGTERM each command's process group (its normal shutdown), then SIGKILL what is still running."""
        for process in self.processes.values():
            _signal_group(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


def _signal_group(pid: int, sent: signal.Signals) -> None:
    """Signal the process group led by `pid` (one we started with start_new_session), if it still exists."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sent)
