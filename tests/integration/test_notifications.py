"""Bucket notifications on a real MinIO: a webhook gets inbox events, and gets them late after an outage.

These tests restart MinIO and leave a webhook target in its config, so they use a MinIO of their own
(started by the same infra/devservers/scripts/minio.sh) instead of the shared session server.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from pydantic import SecretStr

from infra.access.minio_admin import AdminConnection, MinioAdminError
from infra.events.minio_notifications import configure_notifications
from tests.integration.conftest import MINIO_START_TIMEOUT_S, MinioServer, free_port, run_script

pytestmark = pytest.mark.integration

WAIT_S = 60.0  # bound on MinIO's redelivery (it retries queued events every few seconds)


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got."""

    path: str
    authorization: str | None
    body: dict[str, Any]


class Receiver:
    """A tiny webhook receiver on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/minio/events"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with receiver._lock:
                    receiver.deliveries.append(Delivery(self.path, self.headers.get("Authorization"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                """Keep the test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def for_key(self, key: str) -> list[Delivery]:
        """Deliveries about an object key (MinIO URL-encodes the key inside Records)."""
        with self._lock:
            return [d for d in self.deliveries if unquote_plus(d.body["Records"][0]["s3"]["object"]["key"]) == key]

    def wait_for(self, keys: list[str], *, timeout_s: float = WAIT_S) -> dict[str, Delivery]:
        """The first delivery for each key, waiting (polling) up to timeout_s for all of them."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = {key: self.for_key(key) for key in keys}
            if all(found.values()):
                return {key: deliveries[0] for key, deliveries in found.items()}
            if time.monotonic() >= deadline:
                missing = [key for key, deliveries in found.items() if not deliveries]
                pytest.fail(f"no webhook POST within {timeout_s:.0f} s for {missing}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def notify_server() -> Iterator[MinioServer]:
    """A MinIO of this module's own, since configuring notifications restarts the server."""
    home = Path(tempfile.mkdtemp(prefix="junkan-notify-"))
    port = free_port()
    server = MinioServer(f"127.0.0.1:{port}", "junkan-notify", secrets.token_hex(20), home)
    env = {
        **os.environ,
        "JUNKAN_HOME": str(home),
        "JUNKAN_MINIO_PORT": str(port),
        "JUNKAN_MINIO_CONSOLE_PORT": str(free_port()),
        "JUNKAN_S3_ACCESS_KEY": server.access_key,
        "JUNKAN_S3_SECRET_KEY": server.secret_key,
    }
    log = home / "minio" / "minio.log"
    run_script("minio.sh", "start", env=env, timeout=MINIO_START_TIMEOUT_S, log=log)
    try:
        yield server
    finally:
        run_script("minio.sh", "stop", env=env, timeout=60, log=log)
        shutil.rmtree(home, ignore_errors=True)


@dataclass(frozen=True)
class Wired:
    """A bucket whose inbox events go to a running receiver."""

    admin: AdminConnection
    bucket: str
    token: str
    receiver: Receiver
    queue_dir: Path


@pytest.fixture(scope="module")
def wired(notify_server: MinioServer) -> Iterator[Wired]:
    admin = AdminConnection(
        endpoint=notify_server.endpoint,
        access_key=notify_server.access_key,
        secret_key=SecretStr(notify_server.secret_key),
    )
    receiver = Receiver(free_port())
    receiver.start()
    token = secrets.token_urlsafe(24)
    bucket = f"notify-{secrets.token_hex(4)}"
    queue_dir = notify_server.home / "minio" / "events-queue"
    target = configure_notifications(
        admin=admin, bucket=bucket, webhook_endpoint=receiver.url, auth_token=token, queue_dir=queue_dir
    )
    assert target.restarted  # first configuration: MinIO loads notify targets only at start-up
    assert target.arn == "arn:minio:sqs::junkan:webhook"
    try:
        yield Wired(admin, bucket, token, receiver, queue_dir)
    finally:
        receiver.stop()


def upload(wired: Wired, key: str, data: bytes) -> None:
    wired.admin.s3_client().put_object(wired.bucket, key, io.BytesIO(data), len(data))


def test_upload_posts_an_s3_event_with_the_bearer_token(wired: Wired) -> None:
    key = "inbox/city-a/flows/2024.csv"
    data = b"a,b\n1,2\n"  # 8 bytes
    upload(wired, "reports/city-a/flows/s1.json", b"{}")  # outside inbox/: filtered out by MinIO
    upload(wired, key, data)

    delivery = wired.receiver.wait_for([key])[key]
    assert delivery.authorization == f"Bearer {wired.token}"
    assert delivery.path == "/minio/events"
    assert delivery.body["EventName"] == "s3:ObjectCreated:Put"
    assert delivery.body["Key"] == f"{wired.bucket}/{key}"
    record = delivery.body["Records"][0]
    assert record["eventName"] == "s3:ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == wired.bucket
    assert record["s3"]["object"]["key"] == "inbox%2Fcity-a%2Fflows%2F2024.csv"
    assert record["s3"]["object"]["size"] == 8
    assert record["s3"]["object"]["eTag"] == hashlib.md5(data).hexdigest()  # noqa: S324 - S3's single-part ETag
    time.sleep(1.0)
    assert wired.receiver.for_key("reports/city-a/flows/s1.json") == []


def test_events_survive_a_receiver_outage(wired: Wired) -> None:
    wired.receiver.stop()
    keys = [f"inbox/firm-b/progress/{n}.csv" for n in range(3)]
    for n, key in enumerate(keys):
        upload(wired, key, f"row {n}\n".encode())
    time.sleep(1.0)
    assert all(wired.receiver.for_key(key) == [] for key in keys)  # nobody was listening

    wired.receiver.start()
    delivered = wired.receiver.wait_for(keys)
    assert sorted(delivered) == keys
    assert {d.body["Records"][0]["s3"]["object"]["size"] for d in delivered.values()} == {6}
    assert {d.authorization for d in delivered.values()} == {f"Bearer {wired.token}"}


def test_reconfiguring_unchanged_does_not_restart(wired: Wired) -> None:
    again = configure_notifications(
        admin=wired.admin,
        bucket=wired.bucket,
        webhook_endpoint=wired.receiver.url,
        auth_token=wired.token,
        queue_dir=wired.queue_dir,
    )
    assert again.restarted is False
    key = "inbox/city-a/targets/t.csv"
    upload(wired, key, b"x\n")
    assert wired.receiver.wait_for([key])[key].authorization == f"Bearer {wired.token}"
    notification = wired.admin.s3_client().get_bucket_notification(wired.bucket)
    assert [(q.queue, q.events, q.config_id) for q in notification.queue_config_list] == [
        ("arn:minio:sqs::junkan:webhook", ["s3:ObjectCreated:*"], "junkan")
    ]


def test_unreachable_receiver_is_refused_without_leaking_the_token(
    wired: Wired, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = secrets.token_urlsafe(24)
    with pytest.raises(MinioAdminError, match="start the receiver") as caught:
        configure_notifications(
            admin=wired.admin,
            bucket=wired.bucket,
            webhook_endpoint=f"http://127.0.0.1:{free_port()}/minio/events",
            auth_token=token,
            queue_dir=wired.queue_dir,
            target_name="unreachable",
        )
    assert token not in str(caught.value)
    assert token not in caplog.text


def test_token_never_reaches_the_logs(notify_server: MinioServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    admin = AdminConnection(
        endpoint=notify_server.endpoint,
        access_key=notify_server.access_key,
        secret_key=SecretStr(notify_server.secret_key),
    )
    receiver = Receiver(free_port())
    receiver.start()
    token = secrets.token_urlsafe(24)
    try:
        target = configure_notifications(
            admin=admin,
            bucket=f"notify-{secrets.token_hex(4)}",
            webhook_endpoint=receiver.url,
            auth_token=SecretStr(token),
            queue_dir=notify_server.home / "minio" / "second-queue",
            target_name="second",
        )
    finally:
        receiver.stop()
    assert target.arn == "arn:minio:sqs::second:webhook"
    assert "webhook" in caplog.text
    assert token not in caplog.text
    assert notify_server.secret_key not in caplog.text
    assert notify_server.secret_key not in repr(admin)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"webhook_endpoint": "ftp://127.0.0.1/x"}, "http:// or https://"),
        ({"auth_token": "two words"}, "without spaces"),
        ({"queue_dir": Path("relative/queue")}, "absolute path"),
        ({"target_name": "bad name"}, "notify target name"),
        ({"queue_limit": 0}, "queue_limit must be positive"),
    ],
)
def test_bad_settings_are_refused_before_touching_minio(overrides: dict[str, Any], message: str) -> None:
    admin = AdminConnection(endpoint="127.0.0.1:1", access_key="unused", secret_key=SecretStr("unused-secret"))
    arguments: dict[str, Any] = {
        "webhook_endpoint": "http://127.0.0.1:8080/minio/events",
        "auth_token": "token",
        "queue_dir": Path("/var/lib/junkan/queue"),
        **overrides,
    }
    with pytest.raises(ValueError, match=message):
        configure_notifications(admin=admin, bucket="unused", **arguments)
