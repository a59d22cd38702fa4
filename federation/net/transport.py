"""An httpx transport that only connects to vetted addresses.

``VettingNetworkBackend`` plugs into httpcore's connection pool at the one place a socket is
opened (``connect_tcp``): it resolves the host itself, drops every address the
``AddressPolicy`` refuses, and connects to a vetted IP literal, so nothing re-resolves the name
between the check and the connect (no DNS-rebinding window). httpcore still hands the original
host name to TLS, so SNI and certificate verification are by host name, and the pool keeps
keep-alive connections per origin as usual.

``SafeTransport`` wraps that pool as an ``httpx.AsyncBaseTransport`` using only the public
httpx and httpcore APIs. It never uses proxies: a proxy would connect on our behalf, unvetted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import select
import socket
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

import certifi
import httpcore
import httpx

from federation.net.addresses import AddressPolicy, IPAddress, Resolver, ip_literal, resolve_host
from federation.net.errors import ForbiddenAddress

__all__ = ["SafeTransport", "VettingNetworkBackend"]

DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=30
)


class VettingNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves, vets and connects; raises ``ForbiddenAddress`` before opening any socket."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolver if resolver is not None else resolve_host
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.vetted_addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout}s") from exc
        last_error: httpcore.ConnectError | None = None
        for address in addresses:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                stream = await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _KnownSocketStream(stream)
            except httpcore.ConnectError as exc:  # refused or unreachable: try the next one
                last_error = exc
        if last_error is None:  # pragma: no cover - vetted_addresses never returns []
            raise httpcore.ConnectError(f"no address to connect to for {host}")
        raise last_error

    async def vetted_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host`` we may connect to, in resolver order.

        Raises ``ForbiddenAddress`` if there are none and ``httpcore.ConnectError`` if the name
        does not resolve.
        """
        literal = ip_literal(host)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                candidates = list(await self._resolve(host, port))
            except OSError as exc:
                raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
            if not candidates:
                raise httpcore.ConnectError(f"{host} has no IPv4 or IPv6 address")

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

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress(f"refusing to connect to unix socket {path}", host=path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _KnownSocketStream(httpcore.AsyncNetworkStream):
    """A stream that remembers its socket, so the pool's "is this idle connection still
    open?" check (made for every idle connection on every request) is one ``poll`` instead
    of a fresh lookup of every socket attribute (``getpeername`` …) each time."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        return _KnownSocketStream(
            await self._inner.start_tls(ssl_context, server_hostname, timeout)
        )

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read (data, or EOF: the peer closed it)."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


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


_EXCEPTION_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextlib.contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    """Re-raise httpcore's exceptions as the httpx ones callers of a transport expect."""
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _EXCEPTION_MAP:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc) or type(exc).__name__, request=request) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            with _httpx_errors(self._request):
                await aclose()


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~15 ms, and the
    context is read-only once made, so every client may share it."""
    return ssl.create_default_context(cafile=certifi.where())


class SafeTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport with keep-alive pooling whose every connection is vetted.

    ``ssl_context`` defaults to certifi's CA bundle with host name verification on.
    ``network_backend`` is the backend that actually opens sockets (default: anyio's).
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if ssl_context is None:
            ssl_context = default_ssl_context()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=VettingNetworkBackend(policy, resolver=resolver, inner=network_backend),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("SafeTransport is async-only; the request body must be async")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors(request):
            core_response = await self._pool.handle_async_request(core_request)
        stream = core_response.stream
        if not isinstance(stream, AsyncIterable):  # pragma: no cover - async pool, async stream
            raise TypeError("httpcore returned a sync response stream")
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(stream, request),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
