"""The background Prefect server's bookkeeping, without starting Prefect: pid files, settings, left-over checks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.runtime import use_prefect_server
from infra.devservers.prefect import LocalPrefectServer, RunningServer, ServerError
from infra.devservers.processes import RUN_DIRECTORY_VARIABLE
from infra.settings import Settings
from tests.servers_left import TOKEN_VARIABLE, left_servers, stop


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    done.wait()
    return done.pid


def test_a_stale_pid_file_is_removed(tmp_path: Path) -> None:
    server = LocalPrefectServer(tmp_path)
    server.run_dir.mkdir()
    server.pid_file.write_text(f"{dead_pid()}\n", encoding="utf-8")
    server.port_file.write_text("4200\n", encoding="utf-8")
    assert server.find() is None
    assert not server.pid_file.exists()
    assert not server.port_file.exists()


def test_a_live_process_that_is_not_a_prefect_server_is_not_taken_for_one(tmp_path: Path) -> None:
    server = LocalPrefectServer(tmp_path)
    server.run_dir.mkdir()
    server.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")  # pytest: alive, but not `prefect server`
    server.port_file.write_text("4200\n", encoding="utf-8")
    assert server.find() is None
    assert not server.pid_file.exists()


def test_addresses_follow_the_port() -> None:
    running = RunningServer(pid=1, port=4321)
    assert running.api_url == "http://127.0.0.1:4321/api"
    assert running.ui_url == "http://127.0.0.1:4321/"


def test_a_configured_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalPrefectServer(tmp_path, port=port)
        with pytest.raises(ServerError, match=f"port 127.0.0.1:{port} is taken"):
            server.start()
    assert not server.pid_file.exists()


def test_a_configured_server_is_used_and_none_is_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert use_prefect_server(Settings(home=tmp_path, prefect_api_url="http://prefect.test/api")) is None
    assert os.environ["PREFECT_API_URL"] == "http://prefect.test/api"
    assert not (tmp_path / "prefect-server").exists()


def test_ephemeral_leaves_prefect_to_its_in_process_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("JUNKAN_PREFECT_SERVER", "ephemeral")
    assert use_prefect_server(Settings(home=tmp_path)) is None
    assert "PREFECT_API_URL" not in os.environ
    assert not (tmp_path / "prefect-server").exists()


def test_a_server_left_by_this_test_run_is_found_and_stopped(tmp_path: Path) -> None:
    token = os.environ[TOKEN_VARIABLE]
    marked = {**os.environ, RUN_DIRECTORY_VARIABLE: str(tmp_path)}
    left = subprocess.Popen(  # noqa: S603 - stands in for a server: marked, its own process group
        [sys.executable, "-c", "import time; time.sleep(60)"], env=marked, start_new_session=True
    )
    other_run = subprocess.Popen(  # noqa: S603 - someone else's test run: never touched
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**marked, TOKEN_VARIABLE: "another-run"},
        start_new_session=True,
    )
    try:
        # Other tests of this run may have a server up right now (the session's own): look at this one only.
        found = [server for server in left_servers(token) if server.run_dir == str(tmp_path)]
        assert [(server.pid, server.run_dir) for server in found] == [(left.pid, str(tmp_path))]
        stop(found[0], timeout_s=10)
        assert not Path(f"/proc/{left.pid}").exists()  # stopped and reaped
        assert other_run.poll() is None
    finally:
        for process in (left, other_run):
            process.kill()
            process.wait()


def test_the_script_and_junkan_server_drive_one_implementation(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[3] / "infra" / "devservers" / "scripts" / "prefect.sh"
    assert "-m infra.devservers.prefect_script" in script.read_text(encoding="utf-8")
    environment = {**os.environ, "JUNKAN_HOME": str(tmp_path)}
    status = subprocess.run(  # noqa: S603 - our own script
        ["bash", str(script), "status"], env=environment, capture_output=True, text=True, check=False, timeout=60
    )
    assert (status.returncode, status.stdout) == (3, "prefect server not running\n")
    (tmp_path / "prefect-server").mkdir()
    (tmp_path / "prefect-server" / "prefect.pid").write_text("999999999\n", encoding="utf-8")
    (tmp_path / "prefect-server" / "port").write_text("4321\n", encoding="utf-8")
    stopped = subprocess.run(  # noqa: S603 - our own script
        ["bash", str(script), "stop"], env=environment, capture_output=True, text=True, check=False, timeout=60
    )
    assert (stopped.returncode, stopped.stdout) == (0, "prefect server not running\n")
    assert not (tmp_path / "prefect-server" / "prefect.pid").exists()  # a dead server's files are removed


def test_server_status_lists_the_users_other_servers_with_their_homes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    other = tmp_path / "other-home" / "prefect-server"
    other.mkdir(parents=True)
    (other / "port").write_text("45678\n", encoding="utf-8")
    stand_in = subprocess.Popen(  # noqa: S603 - stands in for another home's server: marked, its own group
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**os.environ, RUN_DIRECTORY_VARIABLE: str(other)},
        start_new_session=True,
    )
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JUNKAN_PREFECT_API_URL", raising=False)
    try:
        result = CliRunner().invoke(app, ["server", "status"])
    finally:
        stand_in.kill()
        stand_in.wait()
    assert result.exit_code == 3, result.output
    assert f"pid {stand_in.pid}  http://127.0.0.1:45678/  home {tmp_path / 'other-home'}" in result.output
    assert "Prefect server not running" in result.output
