"""redact_url: what a terminal or a log may show of a URL."""

from __future__ import annotations

import pytest

from infra.redact import redact_url


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
