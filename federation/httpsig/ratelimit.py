"""A per-host rate limit for key refreshes.

`verify_request` asks the key resolver to refresh a key after a failed verification, so a
rotated key is followed. Anyone can send badly signed requests, so the resolver must not
fetch every time: it asks `RefetchLimiter.allow(host, now)` and answers from its cache when
the answer is no.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

__all__ = ["RefetchLimiter"]


class RefetchLimiter:
    """Allows one refresh per host per `interval` (default 60 s).

    Time is passed in, so tests move it by hand. Memory is bounded: past `max_hosts` the
    host that refreshed longest ago is forgotten (which can only allow, never block, a
    refresh early). Not thread-safe; share one per event loop.
    """

    __slots__ = ("_interval", "_last", "_max_hosts")

    def __init__(self, interval: timedelta = timedelta(seconds=60), max_hosts: int = 10_000):
        if interval <= timedelta(0):
            raise ValueError("interval must be positive")
        if max_hosts < 1:
            raise ValueError("max_hosts must be at least 1")
        self._interval = interval
        self._max_hosts = max_hosts
        self._last: OrderedDict[str, datetime] = OrderedDict()

    def allow(self, host: str, now: datetime) -> bool:
        """Whether `host` may refresh now; a yes is recorded as that host's refresh."""
        key = host.lower()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._max_hosts:
            self._last.popitem(last=False)
        return True

    @staticmethod
    def host_of(key_id: str) -> str:
        """The host a key id URL points at (lowercased), or the key id itself if it is not
        a URL."""
        host = urlsplit(key_id).hostname
        return host if host else key_id.lower()
