"""Secrets never appear in logs, reports, stored files, reprs or error messages."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period
from flows.stages.receive import register_keys
from flows.stages.release import release_periods
from flows.stages.summary import RunSummary
from infra.ledger import Ledger, Member
from infra.rendering.period_report import write_period_report
from infra.resources import build_resources
from infra.settings import get_settings
from infra.storage import keys
from infra.warehouse.exports import write_floweaver_csv
from tests.unit.fuzz.nasty import HEADER

ACCESS_KEY = "AKIAJUNKANTEST7F3C"
SECRET_KEY = "s3cr3t-JUNKAN-TEST-9b1e-do-not-log"
EVENTS_TOKEN = "events-token-JUNKAN-TEST-55aa77"
DB_PASSWORD = "pgpass-JUNKAN-TEST-4d2a"
SECRETS = (SECRET_KEY, EVENTS_TOKEN, DB_PASSWORD)


def assert_no_secret(text: str | bytes, where: str, *, also: tuple[str, ...] = ()) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", errors="replace")
    for secret in (*SECRETS, *also):
        assert secret.encode() not in data, f"{secret!r} leaked into {where}"


@pytest.fixture
def debug_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Path]:
    """Everything logged at DEBUG, by any library, also goes to a file, as the CLI's log file would."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    monkeypatch.setenv("JUNKAN_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("JUNKAN_S3_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("JUNKAN_EVENTS_TOKEN", EVENTS_TOKEN)
    return home


def test_a_full_local_run_leaks_no_secret(
    secret_env: Path, debug_log: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    settings = get_settings()
    assert settings.s3_secret_key.get_secret_value() == SECRET_KEY  # the secrets really are loaded
    assert_no_secret(repr(settings), "repr(settings)")
    assert_no_secret(str(settings), "str(settings)")
    assert_no_secret(settings.model_dump_json(), "settings JSON")
    resources = build_resources(settings)
    try:
        assert_no_secret(repr(resources), "repr(resources)")
        for member_id in ("city-a", "corp-b", "univ-c"):
            resources.ledger.add_member(
                Member(member_id=member_id, name=member_id, kind="company", region="JP-40", joined_on=date(2023, 4, 1))
            )
        uploads = {
            ("city-a", "a.csv"): f"{HEADER}\ncity-a,FY2024,paper,use,collection,,,80,t,,,\n",
            ("corp-b", "b.csv"): f"{HEADER}\ncorp-b,FY2024,paper,use,collection,,,-1,t,,,\n",
            ("univ-c", "c.csv"): "not,a,flows,file\n",
        }
        object_keys = []
        for (member_id, name), text in uploads.items():
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            key = keys.inbox_key(member_id, "flows", name)
            resources.storage.put_file(key, path)
            object_keys.append(key)
        summary = RunSummary()
        waiting = register_keys(resources, [*object_keys, "inbox/../etc/passwd"], summary)
        summary.outcomes += validate_submissions(resources, waiting)
        assert {outcome.status for outcome in summary.outcomes} == {"valid", "rejected"}
        publish_period(resources, "FY2024")
        write_period_report(resources, "FY2024", namespace="draft")
        release_periods(resources, ["FY2024"], released_by="secretariat")
        write_period_report(resources, "FY2024")
        write_floweaver_csv(resources.warehouse, tmp_path / "exports", "FY2024")
        assert_no_secret(str(summary.as_dict()), "the run summary")
    finally:
        resources.close()

    assert len(caplog.records) > 0
    assert_no_secret(caplog.text, "captured log records")
    for record in caplog.records:
        assert_no_secret(repr(record.args), f"log record args of {record.name}")
    assert_no_secret(debug_log.read_bytes(), "the log file")
    stored = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.suffix == ".html" for path in stored)  # reports were written and are searched
    assert any(path.name == "junkan.db" for path in stored)  # the ledger too
    for path in stored:
        assert_no_secret(path.read_bytes(), str(path.relative_to(tmp_path)))


class _DenyingS3(BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request as a wrong signature (as MinIO does with a wrong secret)."""

    def _deny(self) -> None:
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>'
            b"<Message>The request signature we calculated does not match</Message><RequestId>1</RequestId></Error>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _deny

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        """Quiet: the test server's access log is not under test."""


@pytest.fixture
def denying_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DenyingS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_s3_errors_name_no_secret(
    secret_env: Path,
    debug_log: Path,
    caplog: pytest.LogCaptureFixture,
    denying_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JUNKAN_STORAGE_URL", "s3://junkan")
    monkeypatch.setenv("JUNKAN_S3_ENDPOINT", denying_endpoint)
    settings = get_settings()
    errors: list[BaseException] = []
    try:  # building may already touch the bucket, and fail there
        resources = build_resources(settings, ensure_tables=False)
    except Exception as error:  # noqa: BLE001 (any error: only its text matters here)
        errors.append(error)
    else:
        try:
            assert_no_secret(repr(resources), "repr(resources)", also=(ACCESS_KEY,))
            assert_no_secret(repr(resources.warehouse), "repr(warehouse)", also=(ACCESS_KEY,))
            for action in (
                lambda: list(resources.storage.list("inbox/")),
                lambda: resources.storage.put_bytes("inbox/city-a/flows/a.csv", b"x"),
            ):
                with pytest.raises(Exception) as caught:  # noqa: PT011 (any error: only its text matters here)
                    action()
                errors.append(caught.value)
        finally:
            resources.close()
    assert errors
    for error in errors:
        text = "".join(traceback.format_exception(error))
        assert "AccessDenied" in text or "SignatureDoesNotMatch" in text or "403" in text
        assert_no_secret(text, "an S3 error", also=(ACCESS_KEY,))
    assert_no_secret(caplog.text, "captured log records")
    assert_no_secret(debug_log.read_bytes(), "the log file")


def test_a_database_url_password_is_not_in_connection_errors(debug_log: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://junkan:{DB_PASSWORD}@127.0.0.1:1/junkan?connect_timeout=1"
    with pytest.raises(Exception) as caught:  # noqa: PT011 (any error: only its text matters here)
        Ledger.connect(url)
    assert_no_secret("".join(traceback.format_exception(caught.value)), "a database connection error")
    assert_no_secret(caplog.text, "captured log records")
    assert_no_secret(debug_log.read_bytes(), "the log file")


def test_settings_repr_hides_database_passwords() -> None:
    from infra.settings import Settings

    settings = Settings(
        database_url=f"postgresql+psycopg://junkan:{DB_PASSWORD}@db/junkan",
        catalog_url=f"postgresql+psycopg://junkan:{DB_PASSWORD}@db/junkan",
        s3_secret_key=SecretStr(SECRET_KEY),
    )
    assert_no_secret(repr(settings), "repr(settings)")
