"""URLs as safe to print or log: the one place a secret part of a URL is masked."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

MASK = "***"


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
