"""Size, redirect, time and pool limits for one safe client."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FetchLimits"]

_POSITIVE = (
    "max_response_bytes",
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "pool_timeout",
    "total_timeout",
    "max_connections",
)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Limits for every request a client makes; times in seconds.

    ``max_response_bytes`` bounds the body both on the wire and decompressed.
    ``total_timeout`` bounds a whole fetch: every redirect hop and reading the body.
    """

    max_response_bytes: int = 1024 * 1024
    max_redirects: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    total_timeout: float = 30.0
    max_connections: int = 100
    max_keepalive_connections: int = 20
    keepalive_expiry: float = 30.0

    def __post_init__(self) -> None:
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(f"FetchLimits.{name} must be positive")
        for name in ("max_redirects", "max_keepalive_connections", "keepalive_expiry"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchLimits.{name} must not be negative")
