"""How often one client address may do what needs no login: send applications to join (`/join`).

The login's throttle (`infra.portal.accounts`) counts failures per e-mail address in the ledger, until a success
clears them; an application has no address of its own to count by and no success that ends a run of them, so this
counts what one client address sent in the last window. The counts live in the portal process's memory: enough
to stop a script filling the secretariat's list (one `junkan portal` process serves everyone), at the price of
starting again when the portal restarts.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import deque
from datetime import datetime, timedelta

from infra.ledger.session import now

IPV6_NETWORK_BITS = 64  # one IPv6 client (a home, an office) holds a whole /64 and may pick any address in it


def client_key(host: str | None) -> str:
    """What a client is counted by: its IPv4 address, its IPv6 /64 network, or the host text as it is.

    Examples:
        >>> client_key("203.0.113.7"), client_key("::ffff:203.0.113.7"), client_key("2001:db8:1:2:aaaa::1")
        ('203.0.113.7', '203.0.113.7', '2001:db8:1:2::/64')
        >>> client_key("testclient"), client_key(None)
        ('testclient', 'unknown')

    """
    if host is None:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, IPV6_NETWORK_BITS), strict=False))


class AddressThrottle:
    """At most `limit` events per client in any `window`; thread-safe (the portal's routes run on threads)."""

    def __init__(self, *, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, *, at: datetime | None = None) -> datetime | None:
        """Count one more event of this client: None when within the limit, else when it may try again (uncounted).

        Checked and counted under one lock, so that requests sent at once cannot all pass the same check.
        """
        at = at or now()
        since = at - self.window
        with self._lock:
            for client in [client for client, times in self._events.items() if times[-1] <= since]:
                del self._events[client]  # nobody's counts outlive the window
            times = self._events.setdefault(key, deque())
            while times and times[0] <= since:
                times.popleft()
            if len(times) >= self.limit:
                return times[0] + self.window
            times.append(at)
            return None
