"""`junkan server start | stop | status` and the background Prefect server that flow commands start and reuse."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

JUNKAN = str(Path(sys.executable).parent / "junkan")
ONE_ROW = (
    "member_id,period,material,source_stage,target_stage,quantity,unit\n"
    "city-a,FY2024,plastics.pet,use,collection,{quantity},t\n"
)


def junkan(home: Path, *args: str, expect: int = 0) -> str:
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "JUNKAN_"))},
        "JUNKAN_HOME": str(home),
        "JUNKAN_WORKER": "off",  # the warm worker has its own tests (test_worker.py)
        "JUNKAN_PREFECT_START_TIMEOUT": "300",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [JUNKAN, *args], capture_output=True, text=True, env=environment, timeout=600, check=False, cwd=home.parent
    )
    output = done.stdout + done.stderr
    assert done.returncode == expect, f"junkan {' '.join(args)} exited {done.returncode}\n{output}"
    assert "Traceback" not in output
    return output


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def flow_runs(api_url: str) -> list[dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{api_url}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        runs: list[dict[str, object]] = json.loads(response.read())
    return runs


def flow_name(api_url: str, flow_id: object) -> str:
    found = get_json(f"{api_url}/flows/{flow_id}")
    assert isinstance(found, dict)
    return str(found["name"])


def alive(pid: int) -> bool:
    """Whether the process still runs; an exited one that init has not reaped yet (a zombie) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def parsed(output: str) -> tuple[int, str]:
    """The pid and API URL that `junkan server start` or `status` printed."""
    pid = re.search(r"\(pid (\d+)\)", output)
    api = re.search(r"^API: (\S+)$", output, flags=re.MULTILINE)
    assert pid is not None, output
    assert api is not None, output
    return int(pid.group(1)), api.group(1)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (tmp_path / "one.csv").write_text(ONE_ROW.format(quantity=80), encoding="utf-8")
    (tmp_path / "two.csv").write_text(ONE_ROW.format(quantity=81), encoding="utf-8")
    junkan(home, "members", "add", "city-a", "--kind", "municipality", "--name", "A市")
    return home


def test_server_start_status_reuse_flow_and_stop(home: Path) -> None:
    assert "not running" in junkan(home, "server", "status", expect=3)
    try:
        started = junkan(home, "server", "start")
        assert "Prefect server started" in started
        pid, api_url = parsed(started)
        assert api_url.startswith("http://127.0.0.1:")
        assert get_json(f"{api_url}/health") is True
        assert "Prefect UI: http://127.0.0.1:" in started

        again = junkan(home, "server", "start")
        assert "already running" in again
        assert parsed(again) == (pid, api_url)

        status = junkan(home, "server", "status")
        assert "running" in status
        assert "healthy" in status
        assert parsed(status) == (pid, api_url)

        out = junkan(home, "submit", str(home.parent / "one.csv"), "--member", "city-a", "--dataset", "flows")
        assert "read 1, accepted 1, quarantined 0" in out
        assert "Prefect UI" not in out  # started by `server start`, not by this command
        runs = flow_runs(api_url)
        assert [(flow_name(api_url, run["flow_id"]), run["state_type"]) for run in runs] == [("ingest", "COMPLETED")]
    finally:
        stopped = junkan(home, "server", "stop")
    assert f"stopped (pid {pid})" in stopped
    assert not alive(pid)
    assert not (home / "prefect-server" / "prefect.pid").exists()
    assert "not running" in junkan(home, "server", "status", expect=3)
    assert "not running" in junkan(home, "server", "stop")


def test_first_flow_command_starts_the_server_and_later_ones_reuse_it(home: Path) -> None:
    run_dir = home / "prefect-server"
    run_dir.mkdir(parents=True)
    (run_dir / "prefect.pid").write_text("999999999\n", encoding="utf-8")
    (run_dir / "port").write_text("1\n", encoding="utf-8")
    try:
        first = junkan(home, "submit", str(home.parent / "one.csv"), "--member", "city-a", "--dataset", "flows")
        assert first.count("Prefect UI: http://127.0.0.1:") == 1
        pid, api_url = parsed(junkan(home, "server", "status"))
        assert api_url != "http://127.0.0.1:1/api"  # the stale files were replaced

        second = junkan(home, "submit", str(home.parent / "two.csv"), "--member", "city-a", "--dataset", "flows")
        assert "read 1, accepted 1, quarantined 0" in second
        assert "Prefect UI" not in second
        assert parsed(junkan(home, "server", "status")) == (pid, api_url)
        assert [run["state_type"] for run in flow_runs(api_url)] == ["COMPLETED", "COMPLETED"]
    finally:
        junkan(home, "server", "stop")
    assert not alive(pid)
