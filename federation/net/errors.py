"""Errors raised by the safe outgoing HTTP client.

    SafeClientError
     ├── ForbiddenURL        the URL itself is unacceptable (scheme, userinfo, no host)
     ├── BlockedHost         the instance's block list / allow-list mode refuses the host
     ├── ForbiddenAddress    the host resolves only to addresses we must not reach
     ├── TooManyRedirects    the redirect chain is longer than the limit (or loops)
     ├── ResponseTooLarge    the body is bigger than the size limit
     ├── BadContentType      the response is not the kind of document that was asked for
     ├── BadResponse         unexpected status, undecodable body or invalid JSON
     ├── FetchTimeout        a connect, read, write, pool or total time limit ran out
     └── ConnectionFailed    DNS failure, refused or reset connection, TLS failure

Every error carries the ``url`` it was about (the hop that failed, for redirects), and its
message says what happened and, where there is one, what a person can do about it.
"""

from __future__ import annotations

__all__ = [
    "BadContentType",
    "BadResponse",
    "BlockedHost",
    "ConnectionFailed",
    "FetchTimeout",
    "ForbiddenAddress",
    "ForbiddenURL",
    "ResponseTooLarge",
    "SafeClientError",
    "TooManyRedirects",
]


class SafeClientError(Exception):
    """Base class: an outgoing request was refused or failed."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class ForbiddenURL(SafeClientError):
    """The URL is not one we send requests to (not http/https, has credentials, no host)."""


class BlockedHost(SafeClientError):
    """The instance policy (block list, or allow-list mode) refuses this host."""

    def __init__(self, message: str, *, host: str, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.host = host


class ForbiddenAddress(SafeClientError):
    """The host resolves only to private, loopback, link-local or otherwise reserved addresses.

    Raised at connect time, before any connection is opened. ``refused`` lists each address
    with the reason it was refused.
    """

    def __init__(
        self,
        message: str,
        *,
        host: str,
        refused: tuple[tuple[str, str], ...] = (),
        url: str | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.host = host
        self.refused = refused


class TooManyRedirects(SafeClientError):
    """More redirects than allowed; ``chain`` holds the URLs visited, in order."""

    def __init__(self, message: str, *, chain: tuple[str, ...], url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.chain = chain


class ResponseTooLarge(SafeClientError):
    """The response body (declared or received, before or after decompression) is too big."""

    def __init__(self, message: str, *, limit: int, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.limit = limit


class BadContentType(SafeClientError):
    """The response's Content-Type is not one the caller accepts."""

    def __init__(self, message: str, *, content_type: str, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.content_type = content_type


class BadResponse(SafeClientError):
    """The response cannot be used: unexpected status, undecodable or invalid body.

    ``status`` is the HTTP status when there was one (e.g. 410 for a deleted object).
    """

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status


class FetchTimeout(SafeClientError):
    """A time limit ran out; ``phase`` is "connect", "read", "write", "pool" or "total"."""

    def __init__(self, message: str, *, phase: str, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.phase = phase


class ConnectionFailed(SafeClientError):
    """The network let us down: DNS failure, refused or reset connection, TLS or protocol error."""
