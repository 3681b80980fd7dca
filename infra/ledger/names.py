"""What members and operators name in the ledger, checked: Secret blocks, SQL tables, HTTP URLs; URLs shown safely."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from infra.redact import redact_url

# Prefect block document names: lower-case letters, digits and dashes.
SECRET_BLOCK_PATTERN: Final = r"[a-z0-9][a-z0-9-]{0,99}"


MAX_SOURCE_URL_CHARS: Final = 2000


MAX_TABLE_NAME_CHARS: Final = 128


def check_secret_block(name: str) -> str:
    """Return a Prefect block document name unchanged, or raise ValueError."""
    if not isinstance(name, str) or not re.fullmatch(SECRET_BLOCK_PATTERN, name):
        msg = f"secret block name {name!r} must be 1-100 lower-case letters, digits and dashes (Prefect's rule)"
        raise ValueError(msg)
    return name


def check_table_name(name: str, *, what: str = "table") -> str:
    """Return a table (or schema) name unchanged when it is plain text, or raise ValueError."""
    if not isinstance(name, str) or not name or name != name.strip() or len(name) > MAX_TABLE_NAME_CHARS:
        msg = f"{what} name {name!r} must be 1-{MAX_TABLE_NAME_CHARS} characters without surrounding spaces"
        raise ValueError(msg)
    if any(not char.isprintable() for char in name):
        msg = f"{what} name {name!r} contains a control character"
        raise ValueError(msg)
    return name


def check_http_url(url: str) -> str:
    """Return an HTTP source URL unchanged when it is http(s) with a host and no credentials in it."""
    if not isinstance(url, str) or not url or len(url) > MAX_SOURCE_URL_CHARS:
        msg = f"source URL must be 1-{MAX_SOURCE_URL_CHARS} characters"
        raise ValueError(msg)
    if any(char.isspace() or not char.isprintable() for char in url):
        msg = f"source URL {redact_url(url)!r} contains spaces or control characters; percent-encode them"
        raise ValueError(msg)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        msg = f"source URL must start with http:// or https://, not {parts.scheme + ':' if parts.scheme else '(none)'}"
        raise ValueError(msg)
    if not parts.hostname:
        msg = f"source URL {redact_url(url)!r} has no host"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None:
        msg = (
            f"source URL {redact_url(url)!r} carries a user name or password; remove it and give the "
            "credential as a token (--token-env or --token-block), which is kept in a Prefect Secret block"
        )
        raise ValueError(msg)
    try:
        _ = parts.port
    except ValueError:
        msg = f"source URL {redact_url(url)!r} has an invalid port"
        raise ValueError(msg) from None
    return url
