"""A background Prefect server that a command started stops itself once idle; one started on purpose stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flows.runtime import use_prefect_server
from infra.devservers.prefect import LocalPrefectServer, RunningServer
from infra.devservers.processes import running_servers
from infra.settings import Settings

IDLE_S = 4.0


def _gone(server: LocalPrefectServer, *, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.find() is None:
            return True
        time.sleep(0.5)
    return False


def test_a_server_a_command_started_stops_itself_after_the_idle_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("JUNKAN_PREFECT_API_URL", raising=False)
    settings = Settings(home=tmp_path / "home", prefect_idle_stop=IDLE_S)
    server = LocalPrefectServer.from_settings(settings)
    try:
        start = use_prefect_server(settings)  # what every flow command does first
        assert start is not None
        assert start.started
        assert start.server.pid in [found.pid for found in running_servers()]
        for _ in range(3):  # a command using it keeps it: the idle clock starts again
            time.sleep(IDLE_S / 2)
            server.touch()
        assert server.find() is not None
        assert _gone(server, within_s=60), "the idle server did not stop itself"
        assert start.server.pid not in [found.pid for found in running_servers()]
        assert f"idle for {IDLE_S:g} s, stopping" in server.log_file.read_text(encoding="utf-8")
        assert not server.watchdog_file.exists()
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


def test_a_server_started_on_purpose_has_no_idle_watchdog(local_prefect: RunningServer) -> None:
    """The session's server was started as `junkan server start` starts one: it stays until stopped."""
    run_dir = next(found.run_dir for found in running_servers() if found.pid == local_prefect.pid)
    server = LocalPrefectServer(run_dir.parent)
    assert server.find() == local_prefect
    assert not server.watchdog_file.exists()
