"""The warm worker: warm commands run on it with the member's terminal, exit codes and Ctrl-C, or say why not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import worker
from infra.devservers.prefect import RunningServer

JUNKAN = str(Path(sys.executable).parent / "junkan")
HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"
MEMBERS = "member_id,name,kind,region,joined_on\ncity-a,A市,municipality,JP-40,2023-04-01\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The members' files: made once for the module."""
    return tmp_path_factory.mktemp("worker")


@pytest.fixture(scope="module")
def home(folder: Path, local_prefect: RunningServer) -> Iterator[dict[str, str]]:
    """One home whose commands may use the warm worker (one cold start for the module); stopped after."""
    tmp_path = folder
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUNKAN_", "PREFECT_"))},
        "JUNKAN_HOME": str(tmp_path / "home"),
        "JUNKAN_PREFECT_API_URL": local_prefect.api_url,
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    (tmp_path / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (tmp_path / "good.csv").write_text(f"{HEADER}\ncity-a,FY2024,paper,use,collection,5,t\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(f"{HEADER}\ncity-a,FY2024,paper,use,collection,-5,t\n", encoding="utf-8")
    run(environment, "members", "import", str(tmp_path / "members.csv"), cwd=tmp_path)
    try:
        yield environment
    finally:
        worker.stop_worker(worker.home_of(environment))


def run(environment: dict[str, str], *args: str, cwd: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - our own command
        [JUNKAN, *args], env=environment, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == expect, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_warm_commands_run_on_the_worker_with_the_same_output_and_exit_codes(
    home: dict[str, str], folder: Path
) -> None:
    tmp_path = folder
    in_process = {**home, "JUNKAN_WORKER": "off"}
    expected_bad = run(
        in_process, "validate", "bad.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path, expect=1
    )
    cold = run(home, "validate", "good.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path)
    assert "started a warm worker in" in cold.stderr  # the cold start is said apart
    assert cold.stdout == "good.csv: valid: read 1, accepted 1, quarantined 0, warnings 0\n"
    assert [of for _, of in worker.running_workers()].count(worker.home_of(home)) == 1
    warm = run(home, "validate", "bad.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path, expect=1)
    assert warm.stdout == expected_bad.stdout  # relative paths resolved in the command's own folder
    assert "warm worker" not in warm.stderr
    submitted = run(home, "submit", "good.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path)
    assert "read 1, accepted 1, quarantined 0" in submitted.stdout
    assert "files judged: 1 of 1 (100 %)" in submitted.stderr  # the child writes to the client's own stderr


def test_a_command_with_other_settings_runs_in_its_own_process_and_says_why(home: dict[str, str], folder: Path) -> None:
    tmp_path = folder
    run(home, "validate", "good.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path)
    other = {**home, "JUNKAN_MAX_ROWS": "1000"}
    done = run(other, "validate", "good.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path)
    assert "running in this process: its JUNKAN_*/PREFECT_* settings differ from the warm worker's" in done.stderr
    assert done.stdout == "good.csv: valid: read 1, accepted 1, quarantined 0, warnings 0\n"


def test_ctrl_c_ends_a_command_on_the_worker_within_ten_seconds(home: dict[str, str], folder: Path) -> None:
    tmp_path = folder
    big = tmp_path / "big.csv"
    row = "city-a,FY2024,paper,use,collection,5,t\n"
    big.write_text(HEADER + "\n" + row * 400_000, encoding="utf-8")
    run(home, "validate", "good.csv", "--member", "city-a", "--dataset", "flows", cwd=tmp_path)  # warm
    client = subprocess.Popen(  # noqa: S603 - our own command
        [JUNKAN, "validate", str(big), "--member", "city-a", "--dataset", "flows"],
        env=home,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    children = _children_of_worker(worker.home_of(home))
    assert children, "the command is not running on the worker"
    client.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = client.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert client.returncode == 130, stderr
    assert "stopped by SIGINT" in stderr
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_a_worker_a_command_started_stops_itself_when_idle(home: dict[str, str], folder: Path, tmp_path: Path) -> None:
    own = {**home, "JUNKAN_HOME": str(tmp_path / "idle-home"), "JUNKAN_WORKER_IDLE_STOP": "3"}
    run(own, "validate", str(folder / "good.csv"), "--member", "city-a", "--dataset", "flows", cwd=tmp_path)
    target = worker.home_of(own)
    assert target in [of for _, of in worker.running_workers()]
    deadline = time.monotonic() + 60
    while target in [of for _, of in worker.running_workers()] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert target not in [of for _, of in worker.running_workers()]


def _children_of_worker(home: Path) -> list[int]:
    pids = [pid for pid, of in worker.running_workers() if of == home]
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent in pids:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
