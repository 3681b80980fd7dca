"""The demo year on Prefect's thread pool and on a Dask cluster (JUNKAN_TASK_RUNNER=dask) gives identical tables.

As `junkan demo` does: a nightly run builds the drafts, then a release makes them public.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.demo.data.generate import generate_demo
from flows.demo.data.members import (
    CP932_MEMBER,
    MISSING_UNIT_MEMBER,
    NEGATIVE_MEMBER,
    UNKNOWN_MATERIAL_MEMBER,
    UNKNOWN_TARGET_MEMBER,
)
from flows.stages.members import import_members
from infra.devservers.prefect import RunningServer
from infra.resources import build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.regions import PREFECTURE_TO_BLOC
from schemas.tables import TABLES, draft_table
from tests.integration.conftest import REPO, free_port, log_tail

DRIVER = str(REPO / "tests" / "chaos" / "driver.py")
DASK = str(Path(sys.executable).parent / "dask")
START_TIMEOUT_S = 60


def _environment(home: Path, api_url: str, **extra: str) -> dict[str, str]:
    """A home's environment, its flows (and the Dask workers' tasks) on the session's Prefect server.

    Without an API URL every flow process and Dask worker would start an in-process Prefect server of its own
    (several seconds each on a busy machine); which server records the runs does not change the tables.
    """
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("JUNKAN_", "PREFECT_"))}
    return {**inherited, "JUNKAN_HOME": str(home), "JUNKAN_WORKER": "off", "PREFECT_API_URL": api_url, **extra}


# The comparison needs every kind of member and file (the deliberately bad ones too), not every municipality:
# those of one bloc keep it to about a third of the demo's members (each nightly ran about 75 s on the whole demo).
_MUNICIPALITIES_OF = frozenset({"JP-B-KANTO"})
_BAD_FILES = frozenset(
    {CP932_MEMBER, MISSING_UNIT_MEMBER, UNKNOWN_TARGET_MEMBER, NEGATIVE_MEMBER, UNKNOWN_MATERIAL_MEMBER}
)


def _prepare(home: Path, demo_dir: Path) -> None:
    """Register the demo members and put their demo files in their inboxes, as `junkan demo` does."""
    manifest = generate_demo(demo_dir)
    kept = manifest.members.filter(
        (pl.col("kind") != "municipality")
        | pl.col("region").replace_strict(PREFECTURE_TO_BLOC, default="").is_in(_MUNICIPALITIES_OF)
        | pl.col("member_id").is_in(_BAD_FILES)
    )
    members = set(kept.get_column("member_id"))
    resources = build_resources(Settings(home=home))
    try:
        import_members(resources, kept, file="demo members")
        for demo_file in (file for file in manifest.submissions if file.member_id in members):
            resources.storage.put_file(
                keys.inbox_key(demo_file.member_id, demo_file.dataset, demo_file.path.name), demo_file.path
            )
    finally:
        resources.close()


def _nightly(env: dict[str, str], home: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own driver, fixed arguments
        [sys.executable, DRIVER, "nightly"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{log_tail(home / 'logs' / 'junkan.log', 60)}"


# What `junkan release` runs (every period with flows), on the installation's task runner, in a process of its own
# as tests/chaos/driver.py runs the other flows.
_RELEASE = """
from flows.runtime import prepare_environment
from infra.settings import get_settings

prepare_environment(get_settings())
from flows import pipeline
from flows.runners import task_runner

pipeline.release.with_options(task_runner=task_runner())(None, "secretariat")
"""


def _release(env: dict[str, str], home: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own flow, fixed arguments
        [sys.executable, "-c", _RELEASE], cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{log_tail(home / 'logs' / 'junkan.log', 60)}"


def _tables(home: Path) -> dict[str, pl.DataFrame]:
    """Every table without submission ids, release times and arrival moments (they differ between installations)."""
    resources = build_resources(Settings(home=home), ensure_tables=False)
    try:
        tables = {}
        for table in TABLES:
            frame = resources.warehouse.read(table).drop(
                "submission_id",
                "evidence_submission_id",
                "released_at",
                "valid_from_at",  # when a target's file arrived (the demo dates most, not all)
                "latest_reported_at",
                strict=False,
            )
            # Sorted on the non-float columns: floats may differ in the last bit (summation order).
            keys = [name for name, dtype in frame.schema.items() if not dtype.is_float()]
            tables[table] = frame.sort(keys, nulls_last=True)
        return tables
    finally:
        resources.close()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"dask did not listen on {port}\n{log_tail(log)}")
        time.sleep(0.2)


@pytest.fixture
def dask_cluster(tmp_path: Path, local_prefect: RunningServer) -> Iterator[tuple[str, Path]]:
    """A Dask scheduler and two single-threaded worker processes whose environment points at the Dask home."""
    home = tmp_path / "dask-home"
    port = free_port()
    env = _environment(home, local_prefect.api_url)
    log = tmp_path / "dask.log"
    processes: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as output:
        scheduler = subprocess.Popen(  # noqa: S603 - dask's own CLI, fixed arguments
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        processes.append(scheduler)
        try:
            _wait_for_port(port, scheduler, log)
            address = f"tcp://127.0.0.1:{port}"
            processes += [
                subprocess.Popen(  # noqa: S603 - dask's own CLI, fixed arguments
                    [DASK, "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
                    env=env,
                    cwd=REPO,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
                for i in range(2)
            ]
            yield address, home
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def _tasks_run_on_scheduler(address: str) -> int:
    """How many task keys the Dask scheduler has seen (Prefect's tasks submitted through prefect-dask)."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        return int(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.transition_log)))


def test_demo_on_threads_and_on_dask_gives_identical_tables(
    tmp_path: Path, dask_cluster: tuple[str, Path], local_prefect: RunningServer
) -> None:
    address, dask_home = dask_cluster
    api_url = local_prefect.api_url
    thread_home = tmp_path / "thread-home"
    demo_dir = tmp_path / "demo-input"
    _prepare(thread_home, demo_dir)
    _prepare(dask_home, demo_dir)

    _nightly(_environment(thread_home, api_url), thread_home)
    _release(_environment(thread_home, api_url), thread_home)
    assert _tasks_run_on_scheduler(address) == 0
    dask_environment = _environment(dask_home, api_url, JUNKAN_TASK_RUNNER="dask", JUNKAN_DASK_ADDRESS=address)
    _nightly(dask_environment, dask_home)
    _release(dask_environment, dask_home)

    assert _tasks_run_on_scheduler(address) > 0, "no task ran on the Dask cluster"
    threads, dask = _tables(thread_home), _tables(dask_home)
    assert threads["core.flows"].height > 0, "the demo published nothing"
    assert threads["mart.flows"].height > 0, "the release published nothing"
    for table in TABLES:
        # Exact for every text, date, integer and boolean; floats to 1e-12 relative (sums in another order).
        cancelled = _CANCELLATIONS.get(table)
        if cancelled is not None:
            _assert_difference_close(dask[table], threads[table], *cancelled)
        assert_frame_equal(
            dask[table].drop(_dropped(cancelled)),
            threads[table].drop(_dropped(cancelled)),
            check_exact=False,
            rel_tol=1e-12,
            abs_tol=1e-9,
        )


# A difference of two sums of 10^8 t is zero on one run and 2e-9 on the other when the sums were taken in another
# order: its error is relative to its operands, not to itself.
# The draft of a table is built by the same sums as the table.
_CANCELLATIONS = {
    table: ("imbalance_t", "inflow_t", "outflow_t")
    for table in ("mart.stage_balance", draft_table("mart.stage_balance"))
}


def _dropped(cancelled: tuple[str, str, str] | None) -> list[str]:
    return [] if cancelled is None else [cancelled[0]]


def _assert_difference_close(dask: pl.DataFrame, threads: pl.DataFrame, difference: str, *operands: str) -> None:
    scale = pl.max_horizontal(*(pl.col(name).abs() for name in operands)).fill_null(0.0)
    gap = (dask.get_column(difference) - threads.get_column(difference)).abs().fill_null(0.0)
    allowed = threads.select(scale * 1e-12 + 1e-9).to_series()
    nulls_differ = dask.get_column(difference).is_null() != threads.get_column(difference).is_null()
    far = threads.filter((gap > allowed) | nulls_differ)
    assert far.is_empty(), f"{difference} differs beyond rounding of its operands in these rows:\n{far}"
