"""Issue 3's acceptance test: an upload to MinIO is validated and published with no other action.

Real servers only: MinIO and a Prefect server (`minio.sh`, `prefect.sh` in infra/devservers/scripts/), and the real
CLI's `junkan serve` and `junkan events` as subprocesses. A member with its own MinIO credentials (from
`junkan members add`) uploads a flows file with the minio client; the receiver turns MinIO's notification into
a Prefect event, the ingest deployment's trigger starts a run, and the rows appear in `core.flows` and the
draft `draft.flows` (the public `mart.flows` changes only on a release). Then the receiver is stopped, a second
file is uploaded, and the receiver is started again: MinIO's queue delivers the notification late, and the file
is ingested exactly once.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import polars as pl
import pytest
from minio import Minio
from pydantic import SecretStr

from flows.deployments import INGEST_TRIGGER_NAME
from infra.access.minio_admin import AdminConnection
from infra.events import NOTIFICATION_PATH
from infra.events.minio_notifications import configure_notifications
from infra.resources import Resources, build_resources
from infra.settings import Settings
from tests.integration.conftest import REPO, MinioServer, free_port, log_tail
from tests.integration.installation import JUNKAN, installation_env, make_bucket, run_cli, stop

T = TypeVar("T")

INGEST_DEADLINE_S = 60  # the promise: published within a minute of the upload
WINDOW_S = 5  # JUNKAN_INGEST_WINDOW_SECONDS for the test: short, so runs settle quickly
MEMBER = "city-a"
HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"
# FY2024: import → production 100 t, use → collection 80 000 kg (= 80 t): 180 t in core.flows.
FILE_FY2024 = "\n".join(
    [HEADER, "city-a,FY2024,plastics.pet,import,production,100,t", "city-a,FY2024,plastics.pet,use,collection,80000,kg"]
)
# FY2023: import → production 50 t, collection → landfill 20 t: 70 t.
FILE_FY2023 = "\n".join(
    [HEADER, "city-a,FY2023,plastics.pet,import,production,50,t", "city-a,FY2023,plastics.pet,collection,landfill,20,t"]
)


@dataclass
class Installation:
    """One junkan installation on the shared servers: its environment, processes and logs."""

    home: Path
    env: dict[str, str]
    settings: Settings
    bucket: str
    events_port: int
    api_url: str
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]]

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run the real CLI (with `serve` and `events` registered) and return its output; fail on an error."""
        return run_cli(args, env=self.env, cwd=REPO, timeout=timeout)

    def start(self, name: str, *args: str) -> None:
        """Start a long-running CLI command in the background, its output in logs/<name>.log."""
        with (self.logs / f"{name}.log").open("ab") as output:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                [str(JUNKAN), *args],
                cwd=REPO,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def stop(self, name: str) -> None:
        """Stop a background command with SIGTERM (its normal shutdown) and wait for it."""
        stop(self.processes.pop(name), timeout=30)

    def diagnostics(self) -> str:
        """Logs to show when something did not happen in time."""
        parts = [f"--- {path.name} ---\n{log_tail(path, 30)}" for path in sorted(self.logs.glob("*.log"))]
        parts.append(f"--- junkan.log ---\n{log_tail(self.settings.resolved_log_file, 60)}")
        return "\n".join(parts)

    def resources(self) -> Resources:
        """Ledger and warehouse of this installation, read in the test process."""
        return build_resources(self.settings, ensure_tables=False)


def wait_for(what: str, check: Callable[[], T | None], installation: Installation, *, timeout: float) -> T:
    """Poll `check` until it returns something other than None/False; fail with the logs after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        for name, process in installation.processes.items():
            if process.poll() is not None:
                pytest.fail(
                    f"junkan {name} exited ({process.returncode}) while waiting for {what}\n"
                    f"{installation.diagnostics()}"
                )
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s\n{installation.diagnostics()}")
        time.sleep(0.5)


@pytest.fixture
def installation(
    minio_server: MinioServer,
    prefect_api_url: str,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> Iterator[Installation]:
    """Environment for the CLI: storage on MinIO, SQLite ledger and catalog in tmp, the Prefect server."""
    home = tmp_path / "home"
    logs = tmp_path / "logs"
    logs.mkdir()
    # Made up front: build_resources' ensure_tables writes Iceberg metadata before S3Storage creates the bucket.
    bucket = make_bucket(minio_server, "ingest")
    events_port = free_port()
    extra = {
        "JUNKAN_EVENTS_TOKEN": secrets.token_hex(24),
        "JUNKAN_EVENTS_PORT": str(events_port),
        "JUNKAN_INGEST_WINDOW_SECONDS": str(WINDOW_S),
    }
    env = installation_env(minio_server, home=home, bucket=bucket, prefect_api_url=prefect_api_url, extra=extra)
    settings = Settings(
        home=home,
        storage_url=f"s3://{bucket}",
        s3_endpoint=minio_server.endpoint,
        s3_access_key=SecretStr(minio_server.access_key),
        s3_secret_key=SecretStr(minio_server.secret_key),
    )
    built = Installation(home, env, settings, bucket, events_port, prefect_api_url, logs, {})
    try:
        yield built
    finally:
        for name in list(built.processes):
            built.stop(name)


def deployment_ready(api_url: str) -> bool:
    """Whether `junkan serve` has registered the ingest deployment and its trigger's automation."""
    deployment = httpx.get(f"{api_url}/deployments/name/ingest-pending/ingest", timeout=5)
    if deployment.status_code != 200:
        return False
    automations = httpx.post(f"{api_url}/automations/filter", json={}, timeout=5).json()
    return any(automation["name"] == INGEST_TRIGGER_NAME for automation in automations)


def receiver_healthy(port: int) -> bool:
    """Whether `junkan events` answers its health check."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def active_ingest_runs(api_url: str) -> int:
    """Runs of the ingest deployment not yet finished (scheduled, waiting for a slot, pending or running).

    Only this deployment: the nightly one always has tomorrow's run scheduled.
    """
    deployment = httpx.get(f"{api_url}/deployments/name/ingest-pending/ingest", timeout=5)
    deployment.raise_for_status()
    body = {
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED", "PENDING", "RUNNING"]}}},
        "deployments": {"id": {"any_": [deployment.json()["id"]]}},
    }
    response = httpx.post(f"{api_url}/flow_runs/count", json=body, timeout=5)
    response.raise_for_status()
    return int(response.json())


def submissions_for(installation: Installation, key: str) -> list[Any]:
    """Ledger submissions of one inbox key."""
    resources = installation.resources()
    try:
        return [submission for submission in resources.ledger.submissions() if submission.key == key]
    finally:
        resources.close()


def published(installation: Installation, key: str) -> tuple[Any, pl.DataFrame, pl.DataFrame] | None:
    """The key's submission with its core.flows rows and the draft.flows rows of its periods, once published."""
    resources = installation.resources()
    try:
        done = [s for s in resources.ledger.submissions() if s.key == key and s.status == "published"]
        if not done:
            return None
        [submission] = done
        periods = list(submission.periods)
        draft = resources.warehouse.read("draft.flows", where={"period": periods})
        if draft.is_empty():
            return None
        core = resources.warehouse.read("core.flows", where={"submission_id": [submission.submission_id]})
        return submission, core, draft
    finally:
        resources.close()


def runs_that_validated(installation: Installation, submission_id: str) -> int:
    """How many ledger runs validated this submission."""
    resources = installation.resources()
    try:
        return sum(submission_id in (run.summary or {}).get("submissions", {}) for run in resources.ledger.runs())
    finally:
        resources.close()


def upload(client: Minio, bucket: str, key: str, path: Path, text: str) -> None:
    """The member's upload: a plain S3 PUT with the member's own credentials."""
    path.write_text(text, encoding="utf-8")
    client.fput_object(bucket, key, str(path), content_type="text/csv")


def test_upload_is_ingested_by_events_and_once_after_a_receiver_outage(
    installation: Installation, minio_server: MinioServer, tmp_path: Path
) -> None:
    inst = installation
    inst.start("serve", "serve", "--poll-seconds", "1")

    # The operator registers the member; on MinIO that also creates the member's own user (secret shown once).
    output = inst.cli("members", "add", MEMBER, "--kind", "municipality", "--name", "City A", "--region", "JP-40")
    access = re.search(r"access key (\S+)", output)
    secret = re.search(r"secret key \(.*\): (\S+)", output)
    assert access is not None, output
    assert secret is not None, output
    assert access.group(1) == f"member-{MEMBER}"
    member_client = Minio(minio_server.endpoint, access_key=access.group(1), secret_key=secret.group(1), secure=False)

    inst.start("events", "events")
    wait_for("receiver healthy", lambda: receiver_healthy(inst.events_port), inst, timeout=30)
    configure_notifications(
        admin=AdminConnection(minio_server.endpoint, minio_server.access_key, SecretStr(minio_server.secret_key)),
        bucket=inst.bucket,
        webhook_endpoint=f"http://127.0.0.1:{inst.events_port}{NOTIFICATION_PATH}",
        auth_token=inst.env["JUNKAN_EVENTS_TOKEN"],
        queue_dir=tmp_path / "minio-queue",
    )
    wait_for("deployments registered by junkan serve", lambda: deployment_ready(inst.api_url), inst, timeout=60)

    # 1. Upload → published, with nothing else done.
    key_2024 = f"inbox/{MEMBER}/flows/fy2024.csv"
    uploaded_at = time.monotonic()
    upload(member_client, inst.bucket, key_2024, tmp_path / "fy2024.csv", FILE_FY2024)
    submission, core, draft = wait_for(
        "FY2024 file published", lambda: published(inst, key_2024), inst, timeout=INGEST_DEADLINE_S
    )
    assert time.monotonic() - uploaded_at <= INGEST_DEADLINE_S
    assert (submission.counts.read, submission.counts.accepted, submission.counts.quarantined) == (2, 2, 0)
    assert sorted(core.get_column("quantity_t").to_list()) == pytest.approx([80.0, 100.0])  # 80 000 kg = 80 t
    assert set(draft.get_column("period")) == {"FY2024"}
    assert set(draft.get_column("contributors")) == {1}

    # Let the run settle, so nothing running now can pick up the next file by its own sweep.
    wait_for("ingest run finished", lambda: active_ingest_runs(inst.api_url) == 0, inst, timeout=60)

    # 2. Receiver down: MinIO keeps the notification in its queue; nothing ingests the file meanwhile.
    inst.stop("events")
    key_2023 = f"inbox/{MEMBER}/flows/fy2023.csv"
    upload(member_client, inst.bucket, key_2023, tmp_path / "fy2023.csv", FILE_FY2023)
    time.sleep(WINDOW_S + 3)
    assert submissions_for(inst, key_2023) == []
    assert active_ingest_runs(inst.api_url) == 0

    # 3. Receiver back: MinIO replays its queue (every 3 s), and the file is ingested, once.
    inst.start("events", "events")
    submission, core, draft = wait_for(
        "FY2023 file published after the receiver restarted",
        lambda: published(inst, key_2023),
        inst,
        timeout=INGEST_DEADLINE_S,
    )
    assert sorted(core.get_column("quantity_t").to_list()) == pytest.approx([20.0, 50.0])
    assert set(draft.get_column("period")) == {"FY2023"}
    wait_for("ingest runs finished", lambda: active_ingest_runs(inst.api_url) == 0, inst, timeout=60)
    [only] = submissions_for(inst, key_2023)
    assert only.submission_id == submission.submission_id
    assert runs_that_validated(inst, submission.submission_id) == 1
    assert len(submissions_for(inst, key_2024)) == 1
    resources = inst.resources()
    try:
        assert resources.warehouse.read("mart.flows").is_empty()  # the public table waits for `junkan release`
    finally:
        resources.close()
