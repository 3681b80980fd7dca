"""URLs as safe to print or log: the one place a secret part of a URL is masked."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
# The user information of a URL inside any text: `scheme://user:password@` or `scheme://token@`.
# Up to the authority's last `@`, as urlsplit reads it: a password may hold an unencoded `@`.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s?#]+)@")


def redact_url(url: str) -> str:
    """A URL with its password and every query value masked, and no fragment: what a terminal or a log may show.

    Host, port and path stay, and the user name when a password follows it, so a reader can tell which server,
    database and role are meant. A user name alone is masked (`https://TOKEN@host` carries a token there), and
    query values are masked whatever their name (an API key travels as `?key=`, `?sig=`, `?token=`, ...).

    Examples:
        >>> redact_url("postgresql+psycopg://junkan:pw@127.0.0.1:55432/junkan?connect_timeout=5")
        'postgresql+psycopg://junkan:***@127.0.0.1:55432/junkan?connect_timeout=***'
        >>> redact_url("https://user:pw@example.org:8443/flows.csv?key=abc#top")
        'https://user:***@example.org:8443/flows.csv?key=***'
        >>> redact_url("sqlite:////home/me/.junkan/junkan.db")
        'sqlite:////home/me/.junkan/junkan.db'
        >>> redact_url("https://ghp_token@example.org/repo.git")
        'https://***@example.org/repo.git'

    """
    try:
        parts = urlsplit(url)
    except ValueError:  # unparseable (e.g. a broken IPv6 host): show only what kind of URL it was
        return f"{url.split(':', 1)[0]}:{MASK}" if ":" in url else MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else f"{netloc}{parts.path}"
    if parts.query:
        names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)] or ["?"]
        shown += "?" + "&".join(f"{name}={MASK}" for name in names)
    return shown


def redact_text(text: str) -> str:
    """Text with the user information of every URL in it masked, as `redact_url` masks it; the rest unchanged.

    For what libraries say (a client logs each request's URL): their messages are not URLs alone.

    Examples:
        >>> redact_text('HTTP Request: GET http://junkan:pw@127.0.0.1:4200/api/health "HTTP/1.1 200 OK"')
        'HTTP Request: GET http://junkan:***@127.0.0.1:4200/api/health "HTTP/1.1 200 OK"'
        >>> redact_text("cloning https://ghp_token@example.org/repo.git into s3://bucket/key")
        'cloning https://***@example.org/repo.git into s3://bucket/key'

    """

    def masked(match: re.Match[str]) -> str:
        userinfo = match.group("userinfo")
        user = f"{userinfo.split(':', 1)[0]}:{MASK}" if ":" in userinfo else MASK
        return f"{match.group('scheme')}{user}@"

    return _USERINFO.sub(masked, text)


class RedactingFilter(logging.Filter):
    """A log handler's filter that masks URL passwords and tokens in every record before it is written or sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback) with `redact_text`; never drops a record."""
        message = record.getMessage()
        shown = redact_text(message)
        if shown != message:
            record.msg, record.args = shown, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
