"""Which processes are junkan's Prefect servers, and what they are doing: pids, homes, health, active runs.

Used by `infra/devservers/prefect.py` (is the pid in the pid file still our server?), its idle watchdog (is a flow
run active?), `junkan server status` (every server of this user) and the test session (servers left behind).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
# Set in the server's environment: how a test session (tests/conftest.py) finds the servers junkan started.
RUN_DIRECTORY_VARIABLE = "JUNKAN_PREFECT_SERVER_RUN_DIR"
# Flow runs in these states keep a server busy: the watchdog never stops a server in the middle of a run.
ACTIVE_STATES = ("PENDING", "RUNNING", "CANCELLING", "PAUSED")


def health_ok(api_url: str, *, timeout_s: float = 2.0) -> bool:
    """Whether a Prefect API answers `GET <api_url>/health` with 200 within the timeout."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout_s) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def active_flow_runs(api_url: str, *, timeout_s: float = 10.0) -> int | None:
    """How many flow runs are pending, running, cancelling or paused; None when the API does not answer."""
    body = json.dumps({"flow_runs": {"state": {"type": {"any_": list(ACTIVE_STATES)}}}}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        f"{api_url.rstrip('/')}/flow_runs/count", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return int(json.loads(response.read()))
    except (OSError, ValueError, urllib.error.URLError):
        return None


@dataclass(frozen=True)
class MarkedServer:
    """A Prefect server junkan started, found by the run directory in its environment: its home and port."""

    pid: int
    run_dir: Path
    environment: dict[str, str]

    @property
    def home(self) -> Path:
        """The JUNKAN_HOME it belongs to."""
        return self.run_dir.parent

    @property
    def port(self) -> int | None:
        """The port it listens on, from its port file (None when the file is gone)."""
        try:
            return int((self.run_dir / "port").read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None


def _environment(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or not ours to read
        return {}
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {name.decode(errors="replace"): value.decode(errors="replace") for name, value in pairs}


def running_servers() -> list[MarkedServer]:
    """Every Prefect server of this user that junkan started (any home): process-group leaders marked as ours."""
    found: list[MarkedServer] = []
    for entry in sorted(Path("/proc").iterdir(), key=lambda path: path.name):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        environment = _environment(pid)
        if RUN_DIRECTORY_VARIABLE not in environment:
            continue
        try:
            if os.getpgid(pid) != pid:  # a worker or the watchdog of a server: they go with its group
                continue
        except ProcessLookupError:
            continue
        found.append(MarkedServer(pid=pid, run_dir=Path(environment[RUN_DIRECTORY_VARIABLE]), environment=environment))
    return found


def is_prefect_server(pid: int) -> bool:
    """Whether a live process is a Prefect server (not another program that got a recycled pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's: not ours
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:  # gone in between
        return False
    except OSError:  # no /proc (not Linux): trust the pid file
        return True
    # `…/prefect server start …` or `python -m prefect server start …`, as spawned here and by prefect.sh
    is_server = any(
        Path(argument).name == "prefect" and arguments[index + 1 : index + 3] == ["server", "start"]
        for index, argument in enumerate(arguments)
    )
    return state != "Z" and is_server


def port_in_use(port: int) -> bool:
    """Whether something already accepts connections on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0
