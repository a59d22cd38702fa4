"""The one client every outgoing federation request goes through.

``create_safe_client(...)`` builds a ``SafeClient`` from settings values; each instance owns its
connection pool, so several can live in one process (asyncio only). A request:

1. checks the URL (http/https only, no credentials) and asks the instance's host policy
   (block list / allow-list mode) whether the host may be contacted;
2. is sent through ``SafeTransport``, which resolves the host and refuses forbidden addresses
   before any socket is opened;
3. follows redirects itself, repeating 1-2 for every hop and dropping credentials and
   signatures when a hop leaves the original origin;
4. reads the body under a size limit, all within connect/read/write/pool and total time limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from collections.abc import Callable, Collection, Iterator, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import MappingProxyType
from typing import TypeAlias

import httpx

from federation.net.addresses import AddressPolicy, Resolver
from federation.net.body import ACCEPT_ENCODING, read_body
from federation.net.document import (
    ACTIVITY_CONTENT_TYPES,
    LENIENT_ACTIVITY_CONTENT_TYPES,
    OBJECT_ACCEPT,
    check_document_response,
    media_type,
    parse_json_object,
)
from federation.net.errors import (
    BlockedHost,
    ConnectionFailed,
    FetchTimeout,
    SafeClientError,
)
from federation.net.limits import FetchLimits
from federation.net.redirect import Hop, check_url, next_hop, parse_url, too_many_redirects
from federation.net.result import FetchResult
from federation.net.transport import SafeTransport

__all__ = ["HostPolicy", "SafeClient", "create_safe_client"]

HostPolicy: TypeAlias = Callable[[str], bool]
"""``host -> may we talk to it?``; gets the lower-case ASCII (punycode) host, no port."""

_ResponseCheck: TypeAlias = Callable[[httpx.Response, str], None]


class SafeClient:
    """Outgoing HTTP for federation. Build it with ``create_safe_client``; close it when done.

    Every method raises a ``SafeClientError`` subclass when a request is refused or fails.
    """

    def __init__(
        self, http: httpx.AsyncClient, *, limits: FetchLimits, host_policy: HostPolicy | None
    ) -> None:
        self._http = http
        self._limits = limits
        self._host_policy = host_policy

    @property
    def limits(self) -> FetchLimits:
        return self._limits

    async def __aenter__(self) -> SafeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: httpx.Auth | None = None,
        follow_redirects: bool = True,
    ) -> FetchResult:
        """Send one request (e.g. a delivery POST) and return the response, whatever its
        status or content type. ``auth`` (e.g. an HTTP-signature ``httpx.Auth``) signs every
        same-origin hop and is dropped once a redirect leaves the origin."""
        hop = Hop(method.upper(), parse_url(url), httpx.Headers(headers or {}), content, auth)
        return await self._exchange(hop, follow_redirects=follow_redirects)

    async def fetch_object(
        self,
        url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET an ActivityPub object; ``document`` is the parsed JSON object.

        Accepts ``application/activity+json`` and ``application/ld+json`` (with or without
        the AS2 profile), and ``application/json`` with ``lenient_content_type=True``.
        Raises ``BadContentType`` for anything else, and ``BadResponse`` for a non-2xx status
        (see ``.status``, e.g. 410 Gone) or a body that is not a JSON object. Callers still
        check the document's ``id`` against ``result.url``.
        """
        return await self.fetch_json(
            url,
            accept=OBJECT_ACCEPT,
            content_types=ACTIVITY_CONTENT_TYPES,
            lenient_content_types=LENIENT_ACTIVITY_CONTENT_TYPES,
            auth=auth,
            headers=headers,
        )

    async def fetch_json(
        self,
        url: str,
        *,
        accept: str = "application/json",
        content_types: Collection[str] = ("application/json",),
        lenient_content_types: Collection[str] = (),
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET a JSON object (WebFinger, NodeInfo, …) whose media type is in ``content_types``
        or, flagged ``lenient_content_type``, in ``lenient_content_types``."""
        strict = frozenset(t.lower() for t in content_types)
        accepted = strict | frozenset(t.lower() for t in lenient_content_types)

        def check(response: httpx.Response, hop: str) -> None:
            check_document_response(response, hop, accepted)

        merged = httpx.Headers({"Accept": accept})
        merged.update(headers or {})
        hop = Hop("GET", parse_url(url), merged, None, auth)
        result = await self._exchange(hop, follow_redirects=True, check=check)
        document = parse_json_object(result.content, url=result.url, status=result.status)
        return dataclasses.replace(
            result, document=document, lenient_content_type=result.content_type not in strict
        )

    async def _exchange(
        self, hop: Hop, *, follow_redirects: bool, check: _ResponseCheck | None = None
    ) -> FetchResult:
        total = self._limits.total_timeout
        try:
            async with asyncio.timeout(total):
                return await self._follow(hop, follow_redirects, check)
        except TimeoutError as exc:
            raise FetchTimeout(
                f"{hop.method} {hop.url} did not finish within {total}s (total time limit)",
                phase="total",
                url=str(hop.url),
            ) from exc

    async def _follow(
        self, hop: Hop, follow_redirects: bool, check: _ResponseCheck | None
    ) -> FetchResult:
        chain: list[str] = []
        seen: set[tuple[str, str]] = set()
        while True:
            url = str(hop.url)
            seen.add((hop.method, url))
            self._check_host(hop.url, via=chain[-1] if chain else None)
            request = self._http.build_request(
                hop.method, hop.url, headers=hop.headers, content=hop.content
            )
            with self._mapped_errors(url):
                response = await self._http.send(
                    request, auth=hop.auth, stream=True, follow_redirects=False
                )
            try:
                if follow_redirects and response.has_redirect_location:
                    chain.append(url)
                    hop = next_hop(hop, response)
                    target = (hop.method, str(hop.url))
                    if target in seen or len(chain) > self._limits.max_redirects:
                        raise too_many_redirects(
                            chain, target[1], self._limits.max_redirects, loop=target in seen
                        )
                    continue
                if check is not None:
                    check(response, url)
                with self._mapped_errors(url):
                    body = await read_body(response, limit=self._limits.max_response_bytes, url=url)
            finally:
                await response.aclose()
            return FetchResult(
                status=response.status_code,
                url=url,
                headers=MappingProxyType(dict(response.headers.items())),
                content=body,
                content_type=media_type(response),
                redirects=tuple(chain),
            )

    def _check_host(self, url: httpx.URL, *, via: str | None) -> None:
        host = check_url(url, via=via)
        if self._host_policy is not None and not self._host_policy(host):
            where = f"{url} (redirect from {via})" if via else str(url)
            raise BlockedHost(
                f"refusing {where}: {host} is blocked by this instance's federation policy "
                "(block list or allow-list mode)",
                host=host,
                url=str(url),
            )

    @contextlib.contextmanager
    def _mapped_errors(self, url: str) -> Iterator[None]:
        """httpx's transport errors as ours; our own errors get the URL they were about."""
        limits = self._limits
        try:
            yield
        except SafeClientError as exc:
            if exc.url is None:
                exc.url = url
            raise
        except httpx.TimeoutException as exc:
            phase, seconds = {
                httpx.ConnectTimeout: ("connect", limits.connect_timeout),
                httpx.ReadTimeout: ("read", limits.read_timeout),
                httpx.WriteTimeout: ("write", limits.write_timeout),
                httpx.PoolTimeout: ("pool", limits.pool_timeout),
            }.get(type(exc), ("request", limits.read_timeout))
            raise FetchTimeout(
                f"{url}: {phase} timed out after {seconds}s", phase=phase, url=url
            ) from exc
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"{url}: {type(exc).__name__}: {exc}", url=url) from exc


def create_safe_client(
    *,
    user_agent: str,
    allow_list: Collection[str] = (),
    limits: FetchLimits | None = None,
    host_policy: HostPolicy | None = None,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> SafeClient:
    """Build a client from settings values.

    ``allow_list`` entries (``10.0.0.0/8``, ``127.0.0.1:8443``, ``[::1]:8443``,
    ``coop.internal``) are the only way to reach non-public addresses; a malformed entry
    raises ``ValueError`` here, not at request time. ``host_policy`` is the instance's block
    list / allow-list mode, asked before every hop. ``resolver`` replaces DNS (tests, or
    mapping test host names to loopback); ``ssl_context`` replaces the certifi CA bundle.
    """
    limits = limits if limits is not None else FetchLimits()
    transport = SafeTransport(
        AddressPolicy(allow_list),
        resolver=resolver,
        ssl_context=ssl_context,
        limits=httpx.Limits(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
        ),
    )
    http = httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,  # no proxies or netrc from the environment
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keep no cookies
        headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.write_timeout,
            pool=limits.pool_timeout,
        ),
    )
    return SafeClient(http, limits=limits, host_policy=host_policy)
