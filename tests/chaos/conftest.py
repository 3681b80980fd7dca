"""Chaos tests: real MinIO, PostgreSQL and Prefect servers of their own, so faults never disturb other tests.

Every chaos test builds a fresh installation (a bucket and a database on the chaos servers), injects a fault,
lets the system recover the way production would (task retries, the next nightly run, a restart), then checks
the invariants in `check_invariants` and records its numbers for `make chaos`'s table (JUNKAN_CHAOS_STATS).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import polars as pl
import pytest
from minio import Minio
from pydantic import SecretStr

from flows.stages.publish import publish_period, published_periods
from infra.ledger import LIVE_STATUSES, Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.tables import TABLES
from tests.integration.conftest import (
    MINIO_START_TIMEOUT_S,
    POSTGRES_START_TIMEOUT_S,
    REPO,
    create_database,
    free_port,
    log_tail,
    run_script,
)

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
JUNKAN = str(Path(sys.executable).parent / "junkan")
DRIVER = str(HERE / "driver.py")
STATS_ENV = "JUNKAN_CHAOS_STATS"
PREFECT_START_TIMEOUT_S = 180
RUN_TIMEOUT_S = 600

HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"
# Five flows per period, every one valid: import → production, recycling → production, use → collection,
# collection → recycling, collection → landfill.
FLOWS_PER_PERIOD = (
    ("plastics.pet", "import", "production", 100),
    ("plastics.pet", "recycling", "production", 25),
    ("plastics.pet", "use", "collection", 80),
    ("plastics.pet", "collection", "recycling", 30),
    ("plastics.pet", "collection", "landfill", 50),
)
MEMBERS = (
    ("city-a", "municipality", "JP-40"),
    ("city-d", "municipality", "JP-13"),
    ("corp-b", "company", "JP-13"),
    ("corp-e", "company", "JP-27"),
    ("univ-c", "university", "JP-01"),
    ("assoc-f", "industry_association", "JP"),
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/chaos is both `chaos` and `integration` (it needs the real servers)."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.chaos)
            item.add_marker(pytest.mark.integration)


# --- data ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowsFile:
    """A hand-made flows file and the row counts worked out for it."""

    member_id: str
    text: str
    n_read: int
    n_accepted: int
    periods: tuple[str, ...]

    @property
    def n_quarantined(self) -> int:
        """Rows that must land in quarantine."""
        return self.n_read - self.n_accepted


def flows_file(
    member_id: str, *, periods: tuple[str, ...] = ("FY2023", "FY2024"), scale: int = 1, bad_rows: int = 0
) -> FlowsFile:
    """Five valid flows per period (quantities times `scale`) plus `bad_rows` negative quantities (quarantined)."""
    lines = [HEADER]
    for period in periods:
        lines += [f"{member_id},{period},{m},{s},{t},{q * scale},t" for m, s, t, q in FLOWS_PER_PERIOD]
    lines += [f"{member_id},{periods[0]},metals.ferrous,import,production,-{i + 1},t" for i in range(bad_rows)]
    n_accepted = len(FLOWS_PER_PERIOD) * len(periods)
    return FlowsFile(member_id, "\n".join(lines) + "\n", n_accepted + bad_rows, n_accepted, periods)


# --- servers -----------------------------------------------------------------------------------------


@dataclass
class Service:
    """A server started by one of infra/devservers/scripts, which a test may stop and start again."""

    script: str
    env: dict[str, str]
    log: Path
    timeout: float

    def start(self) -> str:
        """Start (or find running) and return the script's output."""
        return run_script(self.script, "start", env=self.env, timeout=self.timeout, log=self.log)

    def stop(self) -> None:
        """Stop and wait."""
        run_script(self.script, "stop", env=self.env, timeout=120, log=self.log)


@dataclass(frozen=True)
class ChaosMinio:
    """The chaos MinIO: its endpoint, root credentials and the handle to stop/start it."""

    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    service: Service = field(repr=False)


@dataclass(frozen=True)
class ChaosPostgres:
    """The chaos PostgreSQL cluster: database `junkan`'s URL and the handle to stop/start it."""

    url: str = field(repr=False)
    service: Service = field(repr=False)


@pytest.fixture(scope="session")
def chaos_home() -> Iterator[Path]:
    """State of the chaos servers, traversable by the `postgres` system user, removed at the end."""
    home = Path(tempfile.mkdtemp(prefix="junkan-chaos-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def chaos_minio(chaos_home: Path) -> Iterator[ChaosMinio]:
    """A MinIO only chaos tests use (they stop it)."""
    access_key, secret_key = "junkan-chaos", secrets.token_hex(20)
    port = free_port()
    env = {
        **os.environ,
        "JUNKAN_HOME": str(chaos_home),
        "JUNKAN_MINIO_PORT": str(port),
        "JUNKAN_MINIO_CONSOLE_PORT": str(free_port()),
        "JUNKAN_S3_ACCESS_KEY": access_key,
        "JUNKAN_S3_SECRET_KEY": secret_key,
    }
    service = Service("minio.sh", env, chaos_home / "minio" / "minio.log", MINIO_START_TIMEOUT_S)
    service.start()
    try:
        yield ChaosMinio(f"127.0.0.1:{port}", access_key, secret_key, service)
    finally:
        service.stop()


@pytest.fixture(scope="session")
def chaos_postgres(chaos_home: Path) -> Iterator[ChaosPostgres]:
    """A PostgreSQL cluster only chaos tests use (they restart it)."""
    env = {
        **os.environ,
        "JUNKAN_HOME": str(chaos_home),
        "JUNKAN_POSTGRES_PORT": str(free_port()),
        "JUNKAN_POSTGRES_PASSWORD": secrets.token_hex(16),
    }
    service = Service("postgres.sh", env, chaos_home / "postgres" / "postgres.log", POSTGRES_START_TIMEOUT_S)
    service.start()
    try:
        url = run_script("postgres.sh", "url", env=env, timeout=30, log=service.log)
        yield ChaosPostgres(url, service)
    finally:
        service.stop()


@pytest.fixture(scope="session")
def chaos_prefect(chaos_home: Path) -> Iterator[str]:
    """One Prefect server for the whole chaos session, so each `junkan` run skips the in-process server's start."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")},
        "JUNKAN_HOME": str(chaos_home),
        "JUNKAN_PREFECT_PORT": str(free_port()),
    }
    service = Service("prefect.sh", env, chaos_home / "prefect-server" / "prefect.log", PREFECT_START_TIMEOUT_S)
    url = service.start().splitlines()[-1]
    try:
        yield url
    finally:
        service.stop()


# --- an installation -----------------------------------------------------------------------------------


def _command(args: tuple[str, ...]) -> list[str]:
    """`junkan …`, or the flow driver for `driver ingest KEY…` (run by path, so PYTHONPATH decides what it imports)."""
    if args[0] == "driver":
        return [sys.executable, DRIVER, *args[1:]]
    return [JUNKAN, *args]


@dataclass
class Installation:
    """One junkan installation on the chaos servers: S3 storage in its own bucket, ledger and catalog in PostgreSQL."""

    home: Path
    env: dict[str, str]
    settings: Settings
    minio: ChaosMinio
    postgres: ChaosPostgres
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    stderr_files: dict[int, Path] = field(default_factory=dict)

    def junkan(self, *args: str, expect: int | None = 0, timeout: float = RUN_TIMEOUT_S) -> str:
        """Run the real CLI to the end; fail unless it exits with `expect` (None: any code)."""
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            _command(args), cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if expect is not None and done.returncode != expect:
            pytest.fail(
                f"junkan {' '.join(args)} exited {done.returncode}, expected {expect}\n{done.stdout}\n{done.stderr}\n"
                f"{self.diagnostics()}"
            )
        return done.stdout + done.stderr

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start the real CLI in the background (stdout and stderr in the home's logs), `env` over its environment."""
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stem = f"{'-'.join(a for a in args[:2] if '/' not in a)}-{len(self.processes)}"
        output = (logs / f"{stem}.out").open("w", encoding="utf-8")
        errors = (logs / f"{stem}.err").open("w", encoding="utf-8")
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            _command(args), cwd=REPO, env={**self.env, **(env or {})}, stdout=output, stderr=errors, text=True
        )
        output.close()
        errors.close()
        self.processes.append(process)
        self.stderr_files[process.pid] = logs / f"{stem}.err"
        return process

    def stderr_of(self, process: subprocess.Popen[str]) -> str:
        """What a background command printed on stderr."""
        return self.stderr_files[process.pid].read_text(encoding="utf-8")

    def resources(self) -> Resources:
        """Storage, ledger and warehouse of this installation, in the test process."""
        return build_resources(self.settings, ensure_tables=False)

    def upload(self, name: str, made: FlowsFile) -> str:
        """Put a flows file in its member's inbox (as a member's upload would) and return its key."""
        key = keys.inbox_key(made.member_id, "flows", name)
        path = self.home / "uploads" / made.member_id / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(made.text, encoding="utf-8")
        resources = self.resources()
        try:
            resources.storage.put_file(key, path)
        finally:
            resources.close()
        return key

    def diagnostics(self) -> str:
        """The output of background commands and the tail of junkan's own log, for failure messages."""
        outputs = sorted([*(self.home / "logs").glob("*.out"), *(self.home / "logs").glob("*.err")])
        parts = [f"--- {path.name} ---\n{log_tail(path, 30)}" for path in outputs]
        parts.append(f"--- junkan.log ---\n{log_tail(self.settings.resolved_log_file, 60)}")
        return "\n".join(parts)


@pytest.fixture
def installation(
    chaos_minio: ChaosMinio, chaos_postgres: ChaosPostgres, chaos_prefect: str, tmp_path: Path
) -> Iterator[Installation]:
    """A fresh installation with the six test members registered; background processes killed at the end."""
    home = tmp_path / "home"
    bucket = f"chaos-{secrets.token_hex(4)}"
    database_url = create_database(chaos_postgres.url, f"chaos_{secrets.token_hex(4)}")
    settings = Settings(
        home=home,
        database_url=database_url,
        catalog_url=database_url,
        storage_url=f"s3://{bucket}",
        s3_endpoint=chaos_minio.endpoint,
        s3_access_key=SecretStr(chaos_minio.access_key),
        s3_secret_key=SecretStr(chaos_minio.secret_key),
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUNKAN_", "PREFECT_"))},
        "JUNKAN_WORKER": "off",  # commands in their own process: the kills here are the command's
        "JUNKAN_HOME": str(home),
        "JUNKAN_DATABASE_URL": database_url,
        "JUNKAN_CATALOG_URL": database_url,
        "JUNKAN_STORAGE_URL": f"s3://{bucket}",
        "JUNKAN_S3_ENDPOINT": chaos_minio.endpoint,
        "JUNKAN_S3_ACCESS_KEY": chaos_minio.access_key,
        "JUNKAN_S3_SECRET_KEY": chaos_minio.secret_key,
        "PREFECT_API_URL": chaos_prefect,
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    Minio(chaos_minio.endpoint, chaos_minio.access_key, chaos_minio.secret_key, secure=False).make_bucket(bucket)
    resources = build_resources(settings)
    try:
        for member_id, kind, region in MEMBERS:
            resources.ledger.add_member(Member(member_id, member_id, kind, region, date(2023, 4, 1)))
    finally:
        resources.close()
    built = Installation(home, env, settings, chaos_minio, chaos_postgres)
    try:
        yield built
    finally:
        for process in built.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


# --- waiting and killing --------------------------------------------------------------------------------


def three_files() -> list[FlowsFile]:
    """Three members' files, one with a quarantined row, one of a single period: 26 read, 25 accepted."""
    return [flows_file("city-a"), flows_file("corp-b", bad_rows=1), flows_file("univ-c", periods=("FY2024",))]


def run_until_validated_unpublished(
    installation: Installation, resources: Resources, files: list[FlowsFile], *, timeout: float
) -> subprocess.Popen[str]:
    """Upload `files`, start `junkan run` and return it once every file is validated and none published."""
    for made in files:
        installation.upload(f"{made.member_id}.csv", made)
    process = installation.start("run")

    def all_validated() -> bool:
        counts = statuses(resources)
        return sum(counts.values()) == len(files) and counts["received"] == 0 and counts["published"] == 0

    wait_until(
        "every submission validated, none published",
        all_validated,
        timeout=timeout,
        process=process,
        installation=installation,
    )
    assert process.poll() is None, "the run ended before the fault could be injected"
    return process


def wait_until(
    what: str,
    check: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.05,
    process: subprocess.Popen[str] | None = None,
    installation: Installation | None = None,
) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds or when `process` ends first."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        ended = process is not None and process.poll() is not None
        if ended or time.monotonic() > deadline:
            why = f"the process ended first (exit {process.returncode})" if ended and process else f"{timeout:.0f} s"
            logs = installation.diagnostics() if installation else ""
            pytest.fail(f"{what}: not reached ({why})\n{logs}")
        time.sleep(interval)


def statuses(resources: Resources) -> Counter[str]:
    """How many submissions have each status (errors while a server restarts count as 'unknown')."""
    return Counter(submission.status for submission in resources.ledger.submissions())


def sigkill(process: subprocess.Popen[str]) -> int:
    """Kill a process as the OOM killer or a lost node would: no clean-up, no finally blocks."""
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


@dataclass(frozen=True)
class Stop:
    """How a command ended after a stop signal: its exit code and the seconds from the signal to its end."""

    code: int
    seconds: float


def stop(process: subprocess.Popen[str], sent: signal.Signals, *, timeout: float = 60) -> Stop:
    """Send SIGINT or SIGTERM as Ctrl-C or a service manager would, and time the command's end."""
    started = time.monotonic()
    process.send_signal(sent)
    code = process.wait(timeout=timeout)
    return Stop(code, time.monotonic() - started)


# --- invariants ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invariants:
    """What a chaos test checks after recovery, and the numbers for the table."""

    rows_read: int
    accepted: int
    quarantined: int
    published: int
    lost: int
    duplicated: int
    ledger_mismatches: dict[str, tuple[int, int]]
    unpublished: list[str]
    stale_tables: list[str]


def published_snapshot(resources: Resources, *, drop_ids: bool = False) -> dict[str, pl.DataFrame]:
    """Every table's rows, sorted (optionally without submission ids, to compare two installations)."""
    frames = {}
    for table in TABLES:
        frame = resources.warehouse.read(table)
        if drop_ids:
            frame = frame.drop("submission_id", strict=False)
            frame = frame.sort(frame.columns, nulls_last=True)
        frames[table] = frame
    return frames


def check_invariants(installation: Installation, expected_accepted: dict[str, int]) -> Invariants:
    """Rows lost or duplicated, ledger against core.flows, submissions left unpublished, marts stale against core.

    `expected_accepted`: rows each member's latest file must have in core.flows, worked out by hand in the test.
    A mart is stale when republishing every period from core.flows (idempotent) changes it.
    """
    resources = installation.resources()
    try:
        core = resources.warehouse.read("core.flows")
        live = [s for s in resources.ledger.submissions(dataset="flows") if s.status in LIVE_STATUSES]
        per_member = dict(core.group_by("member_id").len().iter_rows())
        lost = sum(max(0, n - per_member.get(member, 0)) for member, n in expected_accepted.items())
        duplicated = core.height - core.unique(["submission_id", "source_row"]).height
        duplicated += sum(max(0, per_member.get(member, 0) - n) for member, n in expected_accepted.items())
        per_submission = dict(core.group_by("submission_id").len().iter_rows())
        # A file partly replaced by a newer one keeps only its remaining periods' rows (live_rows).
        mismatches = {
            s.submission_id: (s.live_rows, per_submission.get(s.submission_id, 0))
            for s in live
            if s.live_rows != per_submission.get(s.submission_id, 0)
        }
        orphans = set(per_submission) - {s.submission_id for s in live}
        mismatches |= {orphan: (0, per_submission[orphan]) for orphan in orphans}
        unpublished = [s.submission_id for s in live if s.status != "published"]
        everything = resources.ledger.submissions(dataset="flows")
        before = published_snapshot(resources)
        for period in published_periods(resources).get_column("period").to_list():
            publish_period(resources, period)
        after = published_snapshot(resources)
        stale = [table for table in TABLES if not before[table].equals(after[table])]
        return Invariants(
            rows_read=sum(s.counts.read for s in everything if s.counts),
            accepted=sum(s.counts.accepted for s in everything if s.counts),
            quarantined=sum(s.counts.quarantined for s in everything if s.counts),
            published=sum(per_submission.get(s.submission_id, 0) for s in live if s.status == "published"),
            lost=lost,
            duplicated=duplicated,
            ledger_mismatches=mismatches,
            unpublished=unpublished,
            stale_tables=stale,
        )
    finally:
        resources.close()


def assert_recovered(found: Invariants) -> None:
    """Nothing lost or duplicated, the ledger agrees with core.flows, everything published, no mart stale."""
    assert found.lost == 0, f"{found.lost} accepted rows lost"
    assert found.duplicated == 0, f"{found.duplicated} rows duplicated"
    assert found.ledger_mismatches == {}, f"ledger n_accepted != rows in core.flows: {found.ledger_mismatches}"
    assert found.rows_read == found.accepted + found.quarantined
    assert found.unpublished == [], f"validated but never published: {found.unpublished}"
    assert found.stale_tables == [], f"tables not republished from the latest core.flows: {found.stale_tables}"


@dataclass
class ChaosRecord:
    """One test's line in `make chaos`'s table; written at teardown whether the test passed or not."""

    test: str
    faults: int = 0
    recovered: int = 0
    invariants: Invariants | None = None
    reference: str | None = None
    stop_seconds: float | None = None  # signal cases: from the signal to the command's end


@pytest.fixture
def chaos_record(request: pytest.FixtureRequest) -> Iterator[ChaosRecord]:
    """Append this test's faults, recoveries and row counts to $JUNKAN_CHAOS_STATS (JSON lines) when set."""
    record = ChaosRecord(test=request.node.nodeid)
    yield record
    target = os.environ.get(STATS_ENV)
    if not target:
        return
    found = record.invariants
    line = {
        "test": record.test,
        "faults": record.faults,
        "recovered": record.recovered,
        "reference": record.reference,
        **({"stop_seconds": round(record.stop_seconds, 2)} if record.stop_seconds is not None else {}),
        **(
            {
                "rows_read": found.rows_read,
                "accepted": found.accepted,
                "quarantined": found.quarantined,
                "published": found.published,
                "lost": found.lost,
                "duplicated": found.duplicated,
                "ledger_mismatches": len(found.ledger_mismatches),
                "unpublished": len(found.unpublished),
                "stale_tables": len(found.stale_tables),
            }
            if found
            else {}
        ),
    }
    with Path(target).open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(line) + "\n")
