"""Signing outgoing requests: `httpx.Auth` classes, and double-knocking.

`SigningAuth` signs every request the same way: it sets `Date` and `Host`, adds `Digest`
and `Content-Digest` when there is a body, and signs with RFC 9421 (the default) or cavage:

- RFC 9421 covers `@method @target-uri host date`, plus `content-digest` with a body;
- cavage covers `(request-target) host date`, plus `digest` with a body.

A signed GET ("authorized fetch") is signed the same way, without the digest.

`DoubleKnockAuth` tries RFC 9421 first, and on 401 or 400 signs again with cavage and
retries once, remembering in `SchemePreferences` which scheme each host accepted, so the
next request to that host goes straight to the scheme that worked.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime
from typing import Final

import httpx

from federation.httpsig import cavage, rfc9421
from federation.httpsig.check import Scheme
from federation.httpsig.digest import content_digest_header, digest_header
from federation.httpsig.httpdate import format_http_date
from federation.httpsig.keys import SigningKey
from federation.httpsig.message import HttpMessage

__all__ = [
    "CAVAGE_HEADERS",
    "CAVAGE_HEADERS_WITH_BODY",
    "RFC9421_COMPONENTS",
    "RFC9421_COMPONENTS_WITH_BODY",
    "DoubleKnockAuth",
    "SchemePreferences",
    "SigningAuth",
    "sign_httpx_request",
]

RFC9421_COMPONENTS: Final = ("@method", "@target-uri", "host", "date")
RFC9421_COMPONENTS_WITH_BODY: Final = (*RFC9421_COMPONENTS, "content-digest")
CAVAGE_HEADERS: Final = ("(request-target)", "host", "date")
CAVAGE_HEADERS_WITH_BODY: Final = (*CAVAGE_HEADERS, "digest")

_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_RETRY_STATUSES: Final = frozenset({400, 401})


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sign_httpx_request(
    request: httpx.Request,
    key: SigningKey,
    key_id: str,
    *,
    scheme: Scheme = "rfc9421",
    now: datetime,
    cavage_algorithm: str | None = None,
) -> None:
    """Sign `request` in place with `scheme`, replacing any earlier signature.

    Sets `Date` (from `now`) and `Host`; with a body (or on POST/PUT/PATCH) sets `Digest`
    and `Content-Digest`. The body must already be read (`httpx.Auth` subclasses here set
    `requires_request_body`). `cavage_algorithm` overrides the `algorithm` name, which
    defaults to `rsa-sha256` for RSA keys and `hs2019` for Ed25519.
    """
    headers = request.headers
    for name in ("signature", "signature-input"):
        if name in headers:
            del headers[name]
    headers["Date"] = format_http_date(now)
    if "host" not in headers:
        headers["Host"] = request.url.netloc.decode("ascii")
    body = request.content
    with_body = bool(body) or request.method.upper() in _BODY_METHODS
    if with_body:
        headers["Digest"] = digest_header(body)
        headers["Content-Digest"] = content_digest_header(body)
    message = HttpMessage.request(request.method, str(request.url), headers)
    if scheme == "rfc9421":
        components = RFC9421_COMPONENTS_WITH_BODY if with_body else RFC9421_COMPONENTS
        signature_input, signature = rfc9421.sign(
            message, key, key_id, components, created=int(now.timestamp())
        )
        headers["Signature-Input"] = signature_input
        headers["Signature"] = signature
    else:
        names = CAVAGE_HEADERS_WITH_BODY if with_body else CAVAGE_HEADERS
        headers["Signature"] = cavage.sign(message, key, key_id, names, algorithm=cavage_algorithm)


class SigningAuth(httpx.Auth):
    """Signs each request with one scheme (RFC 9421 by default, or cavage)."""

    requires_request_body = True

    def __init__(
        self,
        key: SigningKey,
        key_id: str,
        *,
        scheme: Scheme = "rfc9421",
        clock: Callable[[], datetime] = _utc_now,
        cavage_algorithm: str | None = None,
    ) -> None:
        self.key = key
        self.key_id = key_id
        self.scheme: Scheme = scheme
        self.clock = clock
        self.cavage_algorithm = cavage_algorithm

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sign_httpx_request(
            request,
            self.key,
            self.key_id,
            scheme=self.scheme,
            now=self.clock(),
            cavage_algorithm=self.cavage_algorithm,
        )
        yield request


class SchemePreferences:
    """Which signature scheme each host accepted last, kept in memory.

    `on_change(host, scheme)` is called whenever a host's scheme is learnt or changes, so
    the caller can persist it (and pass the saved mapping back as `initial` on start).
    Hosts are keyed by lowercased `host[:port]`.
    """

    def __init__(
        self,
        initial: Mapping[str, Scheme] | None = None,
        on_change: Callable[[str, Scheme], None] | None = None,
    ) -> None:
        self._schemes: dict[str, Scheme] = {k.lower(): v for k, v in (initial or {}).items()}
        self._on_change = on_change

    @staticmethod
    def host_key(url: httpx.URL) -> str:
        """The key a URL's host is remembered under."""
        return url.netloc.decode("ascii").lower()

    def get(self, host: str) -> Scheme | None:
        """The scheme `host` last accepted, or None if unknown."""
        return self._schemes.get(host.lower())

    def remember(self, host: str, scheme: Scheme) -> None:
        """Record that `host` accepted `scheme`."""
        key = host.lower()
        if self._schemes.get(key) == scheme:
            return
        self._schemes[key] = scheme
        if self._on_change is not None:
            self._on_change(key, scheme)

    def snapshot(self) -> dict[str, Scheme]:
        """A copy of everything remembered."""
        return dict(self._schemes)


class DoubleKnockAuth(httpx.Auth):
    """Signs with the scheme the host is known to accept (RFC 9421 if unknown); on 401 or
    400 signs with the other scheme and retries once, remembering what succeeded.

    A response below 400 counts as accepted. Other failures (403, 404, 5xx) teach
    nothing: the signature may well have been fine.
    """

    requires_request_body = True

    def __init__(
        self,
        key: SigningKey,
        key_id: str,
        preferences: SchemePreferences,
        *,
        clock: Callable[[], datetime] = _utc_now,
        cavage_algorithm: str | None = None,
    ) -> None:
        self.key = key
        self.key_id = key_id
        self.preferences = preferences
        self.clock = clock
        self.cavage_algorithm = cavage_algorithm

    def _sign(self, request: httpx.Request, scheme: Scheme) -> None:
        sign_httpx_request(
            request,
            self.key,
            self.key_id,
            scheme=scheme,
            now=self.clock(),
            cavage_algorithm=self.cavage_algorithm,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        host = self.preferences.host_key(request.url)
        first: Scheme = self.preferences.get(host) or "rfc9421"
        self._sign(request, first)
        response = yield request
        if response.status_code < 400:
            self.preferences.remember(host, first)
            return
        if response.status_code not in _RETRY_STATUSES:
            return
        second: Scheme = "cavage" if first == "rfc9421" else "rfc9421"
        self._sign(request, second)
        response = yield request
        if response.status_code < 400:
            self.preferences.remember(host, second)
