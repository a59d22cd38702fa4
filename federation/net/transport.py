"""An httpx transport that only connects to vetted addresses.

``VettingConnector`` is the one place a socket is opened: it resolves the host itself, drops
every address the ``AddressPolicy`` refuses, and connects to a vetted IP literal, so nothing
re-resolves the name between the check and the connect (no DNS-rebinding window). TLS is
started with the original host name, so SNI and certificate verification are by host name.

``SafeTransport`` is an ``httpx.AsyncBaseTransport`` speaking HTTP/1.1 through
``federation.net.http1`` (``h11`` over asyncio streams, keep-alive connections per origin),
every new connection opened by the connector. It never uses proxies: a proxy would connect
on our behalf, unvetted. It used to wrap httpcore's pool; the lean pool sends each request in
one write and costs about half the CPU per request, which a fan-out of signed deliveries
feels (tests/bench/bench_delivery.py).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import AsyncIterator

import certifi
import httpx

from federation.net.addresses import AddressPolicy, IPAddress, Resolver, ip_literal, resolve_host
from federation.net.errors import ForbiddenAddress
from federation.net.http1 import ConnectionPool, Origin, ResponseBody, exchange

__all__ = ["SafeTransport", "VettingConnector"]

DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=30
)


class VettingConnector:
    """Resolves, vets and connects; raises ``ForbiddenAddress`` before opening any socket."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolver if resolver is not None else resolve_host
        self._ssl_context = ssl_context

    async def open(
        self,
        origin: Origin,
        timeout: float | None,  # noqa: ASYNC109 - the request's limit
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to a vetted address of ``origin`` (TLS for https)."""
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.vetted_addresses(host, port)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"resolving {host} took longer than {timeout}s") from exc
        tls = scheme == b"https"
        if tls and self._ssl_context is None:
            self._ssl_context = default_ssl_context()
        last_error: Exception | None = None
        for address in addresses:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                async with asyncio.timeout(remaining):
                    return await asyncio.open_connection(
                        str(address),
                        port,
                        ssl=self._ssl_context if tls else None,
                        server_hostname=host if tls else None,
                    )
            except TimeoutError as exc:
                raise httpx.ConnectTimeout(
                    f"connecting to {host}:{port} took longer than {timeout}s"
                ) from exc
            except OSError as exc:  # refused, unreachable, TLS refused: try the next one
                last_error = exc
        raise httpx.ConnectError(f"{type(last_error).__name__}: {last_error}")

    async def vetted_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host`` we may connect to, in resolver order.

        Raises ``ForbiddenAddress`` if there are none and ``httpx.ConnectError`` if the name
        does not resolve.
        """
        literal = ip_literal(host)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                candidates = list(await self._resolve(host, port))
            except OSError as exc:
                raise httpx.ConnectError(f"could not resolve {host}: {exc}") from exc
            if not candidates:
                raise httpx.ConnectError(f"{host} has no IPv4 or IPv6 address")

        allowed: list[IPAddress] = []
        refused: list[tuple[str, str]] = []
        for address in candidates:
            reason = self._policy.refusal(host, address, port)
            if reason is None:
                allowed.append(address)
            else:
                refused.append((str(address), reason))
        if not allowed:
            raise ForbiddenAddress(
                _refusal_message(host, port, literal, refused), host=host, refused=tuple(refused)
            )
        return allowed


def _refusal_message(
    host: str, port: int, literal: IPAddress | None, refused: list[tuple[str, str]]
) -> str:
    if literal is not None:
        why = f"it is {refused[0][1]}"
    else:
        why = "it resolves to " + "; ".join(f"{addr}, {reason}" for addr, reason in refused)
    return (
        f"refusing to connect to {host}:{port}: {why}. Federation only contacts public "
        "addresses; if this host is meant to be reachable, an admin can add it to the "
        "federation allow-list."
    )


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, body: ResponseBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._body:
            yield part

    async def aclose(self) -> None:
        await self._body.aclose()


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~15 ms, and the
    context is read-only once made, so every client may share it."""
    return ssl.create_default_context(cafile=certifi.where())


def _or_unbounded(limit: int | None) -> int:
    return 2**31 if limit is None else limit


class SafeTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport with keep-alive pooling whose every connection is vetted.

    ``ssl_context`` defaults to certifi's CA bundle with host name verification on.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        connector = VettingConnector(policy, resolver=resolver, ssl_context=ssl_context)
        self._pool = ConnectionPool(
            connector.open,
            max_connections=_or_unbounded(limits.max_connections),
            max_keepalive=_or_unbounded(limits.max_keepalive_connections),
            keepalive_expiry=(
                float("inf") if limits.keepalive_expiry is None else limits.keepalive_expiry
            ),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("SafeTransport is async-only; the request body must be async")
        body = b"".join([part async for part in request.stream])
        head, response_body = await exchange(self._pool, request, body)
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers,
            stream=_ResponseStream(response_body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
