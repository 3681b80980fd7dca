"""One real `junkan portal` on the session's servers, for the portal's browser and API tests.

The installation is the production shape: storage on MinIO (S3), the ledger and catalog on PostgreSQL (a database
of the module's own), flow runs on the session's Prefect server, and `JUNKAN_PORTAL_INGEST=run` (the default): an
upload starts `junkan run`, as on an operator's machine. The portal is the real CLI, `junkan portal`, started as a
subprocess on a free loopback port and stopped at the end; the CLI is called the way the secretariat calls it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from infra.devservers.loopback import free_port, log_tail
from tests.integration.conftest import MinioServer
from tests.integration.installation import JUNKAN, installation_env, make_bucket, run_cli, stop

T = TypeVar("T")

START_TIMEOUT_S = 120.0
# An upload is judged by a `junkan run` the portal starts: a cold process importing Polars, GX and pyiceberg, talking
# to MinIO, PostgreSQL and Prefect, on a machine shared with other test runs.
RUN_TIMEOUT_S = 300.0
PASSWORD = "kitakyushu-junkan-2024"
LINK = re.compile(r"^(http://\S+/invitation/\S+)$", re.MULTILINE)


@dataclass
class PortalServer:
    """A running portal: its address, the installation's environment, and the secretariat's CLI on it."""

    url: str
    env: dict[str, str]
    home: Path
    logs: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def cli(self, *args: str, timeout: float = 180) -> str:
        """Run the real CLI as the secretariat does on this installation; its output (a failure fails the test)."""
        return run_cli(args, env=self.env, cwd=self.home, timeout=timeout)

    def add_member(self, member_id: str, *, kind: str, name: str, region: str, joined_on: str) -> None:
        """`junkan members add`: the secretariat registers a member."""
        self.cli(
            "members", "add", member_id, "--kind", kind, "--name", name, "--region", region, "--joined-on", joined_on
        )

    def invite(self, member_id: str, email: str) -> str:
        """`junkan members invite`: the one-time link it prints."""
        output = self.cli("members", "invite", member_id, email)
        found = LINK.search(output)
        assert found, f"no invitation link in:\n{output}"
        link = found.group(1)
        assert link.startswith(f"{self.url}/invitation/"), link
        return link

    def diagnostics(self) -> str:
        """The portal's log and the runs it started, for a failure message."""
        parts = [f"--- {path.name} ---\n{log_tail(path, 40)}" for path in sorted(self.logs.glob("*.log"))]
        runs = self.home / "logs" / "portal-runs.log"
        parts.append(f"--- portal-runs.log ---\n{log_tail(runs, 60)}")
        return "\n".join(parts)

    def wait_for(self, what: str, check: Callable[[], T | None], *, timeout: float = RUN_TIMEOUT_S) -> T:
        """Poll `check` until it returns something truthy; fail with the logs if the portal exits or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                pytest.fail(f"junkan portal exited ({code}) waiting for {what}\n{self.diagnostics()}")
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout:.0f} s\n{self.diagnostics()}")
            time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/login", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def portal_server(
    minio_server: MinioServer,
    module_database_url: str,
    prefect_api_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PortalServer]:
    """`junkan portal` on MinIO, PostgreSQL and Prefect, for one test module; stopped (with its runs) at the end."""
    folder = tmp_path_factory.mktemp("portal")
    home, logs = folder / "home", folder / "logs"
    home.mkdir()
    logs.mkdir()
    bucket = make_bucket(minio_server, "portal")
    port = free_port()
    extra = {
        "JUNKAN_DATABASE_URL": module_database_url,
        "JUNKAN_PORTAL_PORT": str(port),
        "JUNKAN_PORTAL_INGEST": "run",
        "NO_COLOR": "1",
    }
    env = installation_env(minio_server, home=home, bucket=bucket, prefect_api_url=prefect_api_url, extra=extra)
    url = f"http://127.0.0.1:{port}"
    with (logs / "portal.log").open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [str(JUNKAN), "portal"], cwd=home, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = PortalServer(url=url, env=env, home=home, logs=logs, process=process)
    try:
        server.wait_for("the portal answering", lambda: _answers(url), timeout=START_TIMEOUT_S)
        yield server
    finally:
        runs = children(process.pid)  # a `junkan run` the portal started stops with it
        stop(process, timeout=60)
        left = [pid for pid in runs if _alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"junkan portal left its runs {left} running\n{server.diagnostics()}"


def children(pid: int) -> list[int]:
    """The processes a process started that still run (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in listing.read_text().split())
    return found


def _alive(pid: int) -> bool:
    """Whether a process still runs (a zombie waiting for its parent does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1][:1]
    except OSError:
        return False
    return state != "Z"
