"""redact_url and redact_text: what a terminal or a log may show of a URL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from infra.redact import RedactingFilter, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://junkan:s3cret@127.0.0.1:55432/junkan",
            "postgresql+psycopg://junkan:***@127.0.0.1:55432/junkan",
        ),
        ("postgresql://u:p%40ss@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
        ("postgresql://u:pa@ss@host/db", "postgresql://u:***@host/db"),  # an unencoded @ in the password
        ("https://TOKEN123@example.org/x.csv", "https://***@example.org/x.csv"),
        ("https://example.org/x.csv?key=abc&format=csv#frag", "https://example.org/x.csv?key=***&format=***"),
        ("https://example.org/x.csv?abc", "https://example.org/x.csv?abc=***"),
        ("s3://junkan", "s3://junkan"),
        ("file:///home/me/.junkan", "file:///home/me/.junkan"),
        ("http://[::1:4200/api", "http:***"),  # unparseable: nothing of it but its scheme
    ],
)
def test_secrets_are_masked_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            'HTTP Request: POST http://admin:pw-123@127.0.0.1:4200/api/flows/ "HTTP/1.1 201 Created"',
            'HTTP Request: POST http://admin:***@127.0.0.1:4200/api/flows/ "HTTP/1.1 201 Created"',
        ),
        ("View at http://u:pa@ss@host:4200/runs/x", "View at http://u:***@host:4200/runs/x"),
        (
            "from https://TOKEN123@example.org/x.csv and s3://junkan/a@b",
            "from https://***@example.org/x.csv and s3://junkan/a@b",
        ),
        ("no URL here: user@example.org", "no URL here: user@example.org"),
    ],
)
def test_urls_inside_text_lose_their_user_information(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_the_filter_masks_a_records_message_and_traceback_and_keeps_the_record(tmp_path: Path) -> None:
    log_file = tmp_path / "junkan.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("HTTP Request: GET %s %s", "http://admin:pw-42@127.0.0.1:4200/api/health", '"200 OK"')
        try:
            raise ConnectionError("cannot reach postgresql://junkan:pw-43@db:5432/junkan")
        except ConnectionError:
            logger.exception("connecting failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    written = log_file.read_text(encoding="utf-8")
    assert "HTTP Request: GET http://admin:***@127.0.0.1:4200/api/health" in written
    assert "ConnectionError: cannot reach postgresql://junkan:***@db:5432/junkan" in written
    assert "pw-42" not in written
    assert "pw-43" not in written
