"""W4 (issue 5): a burst of small uploads to MinIO, timed until the last one is published by the event path.

One run, all real: MinIO and a Prefect server started by the project's scripts on free loopback ports
(benchmarks/services.py), one junkan installation (S3 storage on that MinIO, SQLite ledger and catalog in the
work directory), `junkan serve` and `junkan events` as subprocesses, MinIO's bucket notifications pointed at
the receiver. Then `n_uploads` small flows files (one per member, every other one CP932, 1 % bad rows) are
PUT evenly over `spread_s` seconds from a thread pool, and the ledger is polled until every one is
`published`. The clock starts when the first PUT starts and stops when the poll first sees the last one
published (resolution: the poll interval). Uploads use the root credentials: the event path is the same as
for a member's own credentials, and provisioning hundreds of MinIO users is not what W4 measures.

    python -m benchmarks.burst WORK [--uploads 500] [--spread 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from minio import Minio
from pydantic import SecretStr

from benchmarks import generate
from benchmarks.measure import tree_rss_bytes
from benchmarks.services import JunkanProcesses, Servers, ServiceError, free_port, running_servers

N_UPLOADS = 500
SPREAD_S = 30.0
ROWS_PER_FILE = 20
TIMEOUT_S = 600.0
TARGET_S = 180.0
POLL_S = 1.0
UPLOAD_THREADS = 16
SETTLE_TIMEOUT_S = 180.0  # after the last publish: wait for trailing flow runs to end, so they are counted
INGEST_DEPLOYMENT = "ingest-pending/ingest"


@dataclass(frozen=True)
class LedgerRow:
    """What W4 needs of one ledger submission."""

    key: str
    status: str
    n_read: int | None
    n_accepted: int | None
    n_quarantined: int | None


class PublishTracker:
    """When each uploaded key was first seen `published` by the ledger poll."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        self.published_at: dict[str, float] = {}

    def observe(self, rows: Iterable[LedgerRow], *, at: float) -> None:
        """Record `at` for every watched key published in this poll and not seen published before."""
        for row in rows:
            if row.status == "published" and row.key in self.keys and row.key not in self.published_at:
                self.published_at[row.key] = at

    @property
    def done(self) -> bool:
        """Whether every watched key has been seen published."""
        return len(self.published_at) == len(self.keys)


@dataclass(frozen=True)
class BurstSummary:
    """The outcome of one burst: timings (seconds), counts, and whether rows add up."""

    n_uploads: int
    n_published: int
    upload_span_s: float
    first_upload_to_last_published_s: float | None
    last_upload_to_last_published_s: float | None
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rows_balanced: bool
    statuses: dict[str, int]


def upload_offsets(n: int, *, spread_s: float) -> list[float]:
    """Seconds after the start at which each of `n` uploads begins, evenly from 0 to `spread_s`.

    Examples:
        >>> upload_offsets(3, spread_s=30.0)
        [0.0, 15.0, 30.0]

    """
    if n <= 1:
        return [0.0] * n
    return [index * spread_s / (n - 1) for index in range(n)]


def summarize_burst(
    *,
    keys: Sequence[str],
    first_upload_at: float,
    last_upload_at: float,
    published_at: Mapping[str, float],
    rows: Iterable[LedgerRow],
) -> BurstSummary:
    """Timings and row counts of a burst: times are on one clock; rows are the ledger's submissions of `keys`."""
    watched = set(keys)
    mine = [row for row in rows if row.key in watched]
    statuses: dict[str, int] = {}
    for row in mine:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    read = sum(row.n_read or 0 for row in mine)
    accepted = sum(row.n_accepted or 0 for row in mine)
    quarantined = sum(row.n_quarantined or 0 for row in mine)
    times = [published_at[key] for key in watched if key in published_at]
    everything = len(times) == len(watched)
    last = max(times) if everything and times else None
    return BurstSummary(
        n_uploads=len(watched),
        n_published=len(times),
        upload_span_s=round(last_upload_at - first_upload_at, 3),
        first_upload_to_last_published_s=None if last is None else round(last - first_upload_at, 3),
        last_upload_to_last_published_s=None if last is None else round(last - last_upload_at, 3),
        rows_read=read,
        rows_accepted=accepted,
        rows_quarantined=quarantined,
        rows_balanced=read == accepted + quarantined,
        statuses=dict(sorted(statuses.items())),
    )


# --- the ledger, read-only (SQLite under the work directory) ---------------------------------------


def ledger_rows(database: Path) -> list[LedgerRow]:
    """Every submission in the ledger; [] while the database is busy or not there yet."""
    try:
        with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=5) as connection:
            found = connection.execute(
                "SELECT key, status, n_read, n_accepted, n_quarantined FROM submissions"
            ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [LedgerRow(*row) for row in found]


def _seconds_after(stamp: str | None, origin: float) -> float | None:
    """A ledger or Prefect time stamp as seconds after `origin` (a Unix time); naive stamps are UTC."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() - origin, 3)


def ledger_timeline(database: Path, origin: float) -> dict[str, Any]:
    """When the burst's submissions were registered and what each pipeline run did, relative to `origin`."""
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30) as connection:
        received = [row[0] for row in connection.execute("SELECT received_at FROM submissions")]
        runs = connection.execute(
            "SELECT kind, started_at, finished_at, status, summary FROM runs ORDER BY started_at"
        ).fetchall()
    registered = [value for stamp in received if (value := _seconds_after(stamp, origin)) is not None]
    timeline: list[dict[str, Any]] = []
    for kind, started_at, finished_at, status, summary_text in runs:
        summary = json.loads(summary_text) if summary_text else {}
        timeline.append(
            {
                "kind": kind,
                "status": status,
                "started_s": _seconds_after(started_at, origin),
                "finished_s": _seconds_after(finished_at, origin),
                "submissions": len(summary.get("submissions", {})),
                "rows_read": summary.get("rows_read"),
                "timings_s": summary.get("timings_s", {}),
            }
        )
    return {
        "first_registered_s": min(registered, default=None),
        "last_registered_s": max(registered, default=None),
        "runs": timeline,
    }


def stage_totals(runs: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Seconds per pipeline stage summed over the runs of a burst.

    Examples:
        >>> stage_totals([{"timings_s": {"read": 1.0, "validate": 2.5}}, {"timings_s": {"validate": 0.5}}])
        {'read': 1.0, 'validate': 3.0}

    """
    totals: dict[str, float] = {}
    for run in runs:
        for stage, seconds in run.get("timings_s", {}).items():
            totals[stage] = round(totals.get(stage, 0.0) + float(seconds), 3)
    return totals


EMITTED = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*emitted junkan\.submission\.received \S+ for (\S+)$")


def events_timeline(log_text: str, origin: float) -> dict[str, Any]:
    """When `junkan events` handed the uploads' events to Prefect, from its log lines (local time stamps).

    Best effort, for the breakdown only: a key's first emission counts (MinIO may redeliver).
    """
    first_by_key: dict[str, float] = {}
    for line in log_text.splitlines():
        if (found := EMITTED.match(line)) is not None:
            moment = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            first_by_key.setdefault(found.group(2), round(moment - origin, 3))
    times = list(first_by_key.values())
    return {"keys_emitted": len(times), "first_s": min(times, default=None), "last_s": max(times, default=None)}


# --- Prefect -----------------------------------------------------------------------------------------


def ingest_flow_runs(api_url: str, origin: float) -> list[dict[str, Any]]:
    """Every run of the ingest deployment: created, started and ended relative to `origin`, and its state."""
    deployment = httpx.get(f"{api_url}/deployments/name/{INGEST_DEPLOYMENT}", timeout=10)
    deployment.raise_for_status()
    body = {"deployments": {"id": {"any_": [deployment.json()["id"]]}}, "limit": 200, "sort": "EXPECTED_START_TIME_ASC"}
    response = httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return [
        {
            "name": run["name"],
            "state": run.get("state_type"),
            "created_s": _seconds_after(run.get("created"), origin),
            "started_s": _seconds_after(run.get("start_time"), origin),
            "ended_s": _seconds_after(run.get("end_time"), origin),
        }
        for run in response.json()
    ]


def deployment_ready(api_url: str) -> bool:
    """Whether `junkan serve` has registered the ingest deployment and its trigger's automation."""
    from flows.deployments import INGEST_TRIGGER_NAME

    try:
        deployment = httpx.get(f"{api_url}/deployments/name/{INGEST_DEPLOYMENT}", timeout=5)
        if deployment.status_code != 200:
            return False
        automations = httpx.post(f"{api_url}/automations/filter", json={}, timeout=5).json()
    except httpx.HTTPError:
        return False
    return any(automation["name"] == INGEST_TRIGGER_NAME for automation in automations)


def receiver_healthy(port: int) -> bool:
    """Whether `junkan events` answers its health check."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# --- one run -----------------------------------------------------------------------------------------


class _RssSampler(threading.Thread):
    """Peak of the summed RSS of several process trees, sampled in the background."""

    def __init__(self, pids: Sequence[int], interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pids = list(pids)
        self.interval = interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, sum(tree_rss_bytes(pid) for pid in self.pids))
            self.stopped.wait(self.interval)


def _wait(what: str, check: Any, processes: JunkanProcesses, *, timeout: float) -> None:
    """Poll `check()` until true; raise ServiceError if a junkan process exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not check():
        if exited := processes.exited():
            msg = f"junkan {', '.join(exited)} exited ({exited}) while waiting for {what}; see {processes.logs}"
            raise ServiceError(msg)
        if time.monotonic() > deadline:
            msg = f"{what}: not within {timeout:.0f} s; see the logs in {processes.logs}"
            raise ServiceError(msg)
        time.sleep(0.5)


def _junkan_environment(
    base: Mapping[str, str], servers: Servers, *, home: Path, bucket: str, events_port: int, window_s: float | None
) -> dict[str, str]:
    inherited = {name: value for name, value in base.items() if not name.startswith(("JUNKAN_", "PREFECT_"))}
    junkan = {
        "JUNKAN_HOME": str(home),
        "JUNKAN_STORAGE_URL": f"s3://{bucket}",
        "JUNKAN_S3_ENDPOINT": servers.minio_endpoint,
        "JUNKAN_S3_ACCESS_KEY": servers.access_key,
        "JUNKAN_S3_SECRET_KEY": servers.secret_key,
        "JUNKAN_PREFECT_API_URL": servers.prefect_api_url,
        "JUNKAN_EVENTS_TOKEN": secrets.token_hex(24),
        "JUNKAN_EVENTS_PORT": str(events_port),
    }
    if window_s is not None:
        junkan["JUNKAN_INGEST_WINDOW_SECONDS"] = str(window_s)
    return {**inherited, **junkan}


def _upload_all(
    client: Minio, bucket: str, files: Sequence[tuple[str, Path]], *, spread_s: float
) -> list[tuple[float, float]]:
    """PUT each (key, file) at its offset from now, from a thread pool; returns (start, end) monotonic times."""
    offsets = upload_offsets(len(files), spread_s=spread_s)
    origin = time.monotonic()

    def put(index: int) -> tuple[float, float]:
        key, path = files[index]
        time.sleep(max(0.0, origin + offsets[index] - time.monotonic()))
        started = time.monotonic()
        client.fput_object(bucket, key, str(path), content_type="text/csv")
        return started, time.monotonic()

    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS, thread_name_prefix="upload") as pool:
        return list(pool.map(put, range(len(files))))


def run_burst(
    work: Path,
    *,
    environment: Mapping[str, str],
    n_uploads: int = N_UPLOADS,
    spread_s: float = SPREAD_S,
    rows_per_file: int = ROWS_PER_FILE,
    timeout_s: float = TIMEOUT_S,
    window_s: float | None = None,
) -> dict[str, Any]:
    """One W4 run in a fresh `work` directory (servers included); returns its JSON record, logs stay in `work`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    generated = generate.generate_nightly(
        work / "input", n_members=n_uploads, rows_per_member=rows_per_file, with_targets=False
    )
    files = [(f"inbox/{path.parents[1].name}/flows/{path.name}", path) for path in generated.files]
    record: dict[str, Any] = {"ok": False, "uploads": n_uploads, "spread_s": spread_s, "rows_per_file": rows_per_file}
    try:
        _run(record, generated, files, work, environment, spread_s=spread_s, timeout_s=timeout_s, window_s=window_s)
    except Exception as error:  # noqa: BLE001 - a failed benchmark run is recorded, not raised; logs stay in work
        record["error"] = f"{type(error).__name__}: {error}"[-3000:]
    record["ok"] = "error" not in record and record.get("n_published") == n_uploads
    record["logs"] = str(work)
    return record


def _run(
    record: dict[str, Any],
    generated: generate.Generated,
    files: Sequence[tuple[str, Path]],
    work: Path,
    environment: Mapping[str, str],
    *,
    spread_s: float,
    timeout_s: float,
    window_s: float | None,
) -> None:
    """Servers, installation, burst and timeline, filling `record`; every process is stopped on the way out."""
    with running_servers(work / "services") as servers:
        bucket = "junkan-burst"
        home = work / "home"
        events_port = free_port()
        env = _junkan_environment(
            environment, servers, home=home, bucket=bucket, events_port=events_port, window_s=window_s
        )
        admin_client = Minio(servers.minio_endpoint, servers.access_key, servers.secret_key, secure=False)
        # Created up front: the warehouse's first metadata is written before S3Storage would create the bucket.
        admin_client.make_bucket(bucket)
        processes = JunkanProcesses(env, work / "logs")
        sampler: _RssSampler | None = None
        try:
            processes.run("members", "import", str(generated.members_file))
            serve_pid = processes.start("serve", "serve")
            events_pid = processes.start("events", "events")
            _wait("receiver healthy", lambda: receiver_healthy(events_port), processes, timeout=60)
            configure(servers, bucket=bucket, events_port=events_port, token=env["JUNKAN_EVENTS_TOKEN"], work=work)
            _wait("deployments registered", lambda: deployment_ready(servers.prefect_api_url), processes, timeout=120)
            sampler = _RssSampler([serve_pid, events_pid])
            sampler.start()
            record |= _measure(admin_client, bucket, files, processes, home / "junkan.db", spread_s, timeout_s)
            settle_deadline = time.monotonic() + SETTLE_TIMEOUT_S
            origin = record.pop("_origin")
            while time.monotonic() < settle_deadline:
                runs = ingest_flow_runs(servers.prefect_api_url, origin)
                if all(run["state"] not in ("SCHEDULED", "PENDING", "RUNNING") for run in runs):
                    break
                time.sleep(2)
            runs = ingest_flow_runs(servers.prefect_api_url, origin)
            record["flow_runs"] = len(runs)
            record["flow_run_timeline"] = runs
            record["ledger_timeline"] = timeline = ledger_timeline(home / "junkan.db", origin)
            record["stages_s"] = stage_totals(timeline["runs"])
            log_file = home / "logs" / "junkan.log"
            if log_file.exists():
                record["events_timeline"] = events_timeline(log_file.read_text(errors="replace"), origin)
        finally:
            if sampler is not None:
                sampler.stopped.set()
                sampler.join()
                record["peak_rss_mib"] = round(sampler.peak / 2**20, 1)
            processes.stop_all()


def configure(servers: Servers, *, bucket: str, events_port: int, token: str, work: Path) -> None:
    """Point MinIO's notifications for `bucket` at the receiver, queued on disk while it is down."""
    from infra.access.minio_admin import AdminConnection
    from infra.events import NOTIFICATION_PATH
    from infra.events.minio_notifications import configure_notifications

    configure_notifications(
        admin=AdminConnection(servers.minio_endpoint, servers.access_key, SecretStr(servers.secret_key)),
        bucket=bucket,
        webhook_endpoint=f"http://127.0.0.1:{events_port}{NOTIFICATION_PATH}",
        auth_token=token,
        queue_dir=work / "minio-queue",
    )


def _measure(
    client: Minio,
    bucket: str,
    files: Sequence[tuple[str, Path]],
    processes: JunkanProcesses,
    database: Path,
    spread_s: float,
    timeout_s: float,
) -> dict[str, Any]:
    """Upload the burst in the background, poll the ledger until all are published; the timed part of W4."""
    keys = [key for key, _ in files]
    tracker = PublishTracker(keys)
    wall_origin = time.time()
    mono_origin = time.monotonic()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="burst") as runner:
        uploading = runner.submit(_upload_all, client, bucket, files, spread_s=spread_s)
        deadline = mono_origin + timeout_s
        while not tracker.done and time.monotonic() < deadline:
            if exited := processes.exited():
                msg = f"junkan {', '.join(exited)} exited during the burst ({exited}); see {processes.logs}"
                raise ServiceError(msg)
            if uploading.done() and uploading.exception() is not None:
                break  # result() below raises the upload's error
            tracker.observe(ledger_rows(database), at=time.monotonic())
            time.sleep(POLL_S)
        times = uploading.result()
    first = min(start for start, _ in times)
    last = max(end for _, end in times)
    summary = summarize_burst(
        keys=keys,
        first_upload_at=first,
        last_upload_at=last,
        published_at=tracker.published_at,
        rows=ledger_rows(database),
    )
    # Unix time of the first PUT, so ledger and Prefect time stamps can be put on the same axis.
    return asdict(summary) | {
        "wall_s": summary.first_upload_to_last_published_s,
        "_origin": wall_origin + first - mono_origin,
    }


def main() -> None:
    """Command line: one W4 run, its record as JSON on standard output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("work", type=Path)
    parser.add_argument("--uploads", type=int, default=N_UPLOADS)
    parser.add_argument("--spread", type=float, default=SPREAD_S)
    parser.add_argument("--rows", type=int, default=ROWS_PER_FILE)
    parser.add_argument("--window", type=float, default=None, help="JUNKAN_INGEST_WINDOW_SECONDS (default: 30)")
    arguments = parser.parse_args()
    environment = {**os.environ, "NO_COLOR": "1"}
    result = run_burst(
        arguments.work,
        environment=environment,
        n_uploads=arguments.uploads,
        spread_s=arguments.spread,
        rows_per_file=arguments.rows,
        window_s=arguments.window,
    )
    print(json.dumps(result, indent=2))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
