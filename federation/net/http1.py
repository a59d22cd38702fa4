"""HTTP/1.1 exchanges over asyncio streams, with a small keep-alive pool.

This is the lean core of ``SafeTransport``: ``h11`` frames and parses the messages (header
validation, ``Content-Length`` and chunked bodies, keep-alive rules), asyncio streams carry
them. A request goes out in one write (head and body together), and a connection is handed
back to the pool as soon as its response has been read to the end.

Connections are opened only through the ``Opener`` the pool is given (``SafeTransport``
passes the vetting connector), so every socket is vetted before it is opened. Errors are
raised as the httpx exceptions a transport is expected to raise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias

import h11
import httpx

__all__ = ["Connection", "ConnectionPool", "Opener", "Origin", "ResponseBody", "exchange"]

Origin: TypeAlias = tuple[bytes, bytes, int]  # scheme, host, port
Opener: TypeAlias = Callable[
    [Origin, "float | None"], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
]
_READ_SIZE = 64 * 1024


class Connection:
    """One kept-alive HTTP/1.1 connection to an origin."""

    def __init__(
        self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    def usable(self, now: float, expiry: float) -> bool:
        """Whether an idle connection may carry another request (not expired, not closed
        by the peer, ready for a new cycle)."""
        return (
            now - self.idle_since < expiry
            and self.h11.our_state is h11.IDLE
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        self.writer.close()


@dataclass
class ConnectionPool:
    """Keep-alive connections per origin; at most ``max_connections`` open at once."""

    opener: Opener
    max_connections: int
    max_keepalive: int
    keepalive_expiry: float

    def __post_init__(self) -> None:
        self._idle: dict[Origin, list[Connection]] = {}
        self._idle_count = 0
        self._open = 0
        self._waiters: list[asyncio.Future[None]] = []

    async def acquire(self, origin: Origin, timeouts: dict[str, float | None]) -> Connection:
        """An idle connection to ``origin``, or a new one once a slot is free."""
        now = time.monotonic()
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.usable(now, self.keepalive_expiry):
                return connection
            self._discard(connection)
        if self._open >= self.max_connections:
            await self._wait_for_slot(timeouts.get("pool"))
        self._open += 1
        try:
            reader, writer = await self.opener(origin, timeouts.get("connect"))
        except BaseException:
            self._free_slot()
            raise
        return Connection(origin, reader, writer)

    async def _wait_for_slot(self, limit: float | None) -> None:
        try:
            async with asyncio.timeout(limit):
                while self._open >= self.max_connections:
                    if self._close_one_idle():
                        continue
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    try:
                        await waiter
                    finally:
                        if waiter in self._waiters:
                            self._waiters.remove(waiter)
        except TimeoutError as exc:
            raise httpx.PoolTimeout(f"no free connection within {limit}s") from exc

    def release(self, connection: Connection, *, reusable: bool) -> None:
        """Hand back a connection whose exchange is over (closed unless ``reusable``)."""
        if reusable and connection.h11.our_state is h11.IDLE and not self._waiters:
            if self._idle_count >= self.max_keepalive:
                self._close_one_idle()
            connection.idle_since = time.monotonic()
            self._idle.setdefault(connection.origin, []).append(connection)
            self._idle_count += 1
            return
        self._discard(connection)

    def _close_one_idle(self) -> bool:
        for origin, idle in self._idle.items():
            if idle:
                self._idle_count -= 1
                self._discard(idle.pop(0))
                if not idle:
                    del self._idle[origin]
                return True
        return False

    def _discard(self, connection: Connection) -> None:
        connection.close()
        self._free_slot()

    def _free_slot(self) -> None:
        self._open -= 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        for idle in list(self._idle.values()):
            for connection in idle:
                self._discard(connection)
        self._idle.clear()
        self._idle_count = 0


async def exchange(
    pool: ConnectionPool, request: httpx.Request, body: bytes
) -> tuple[h11.Response, ResponseBody]:
    """Send ``request`` with ``body`` and read the response head; the body comes from the
    returned iterator, which hands the connection back when it ends or is closed."""
    url = request.url
    origin: Origin = (url.raw_scheme, url.raw_host, url.port or _default_port(url.raw_scheme))
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    connection = await pool.acquire(origin, timeouts)
    try:
        head = await _send_and_read_head(connection, request, body, timeouts)
    except BaseException:
        pool.release(connection, reusable=False)
        raise
    return head, ResponseBody(pool, connection, timeouts.get("read"))


def _default_port(scheme: bytes) -> int:
    return 443 if scheme == b"https" else 80


async def _send_and_read_head(
    connection: Connection,
    request: httpx.Request,
    body: bytes,
    timeouts: dict[str, float | None],
) -> h11.Response:
    state = connection.h11
    try:
        data = state.send(
            h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            )
        )
        if body:
            data = (data or b"") + (state.send(h11.Data(data=body)) or b"")
        data = (data or b"") + (state.send(h11.EndOfMessage()) or b"")
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc)) from exc
    try:
        async with asyncio.timeout(timeouts.get("write")):
            connection.writer.write(data)
            await connection.writer.drain()
    except TimeoutError as exc:
        raise httpx.WriteTimeout(f"write timed out after {timeouts.get('write')}s") from exc
    except OSError as exc:
        raise httpx.WriteError(str(exc) or type(exc).__name__) from exc
    while True:
        event = await _next_event(connection, timeouts.get("read"))
        if isinstance(event, h11.Response):
            return event
        if not isinstance(event, h11.InformationalResponse):
            raise httpx.RemoteProtocolError("the server closed the connection without answering")


async def _next_event(connection: Connection, read_timeout: float | None) -> object:
    state = connection.h11
    try:
        while True:
            event = state.next_event()
            if event is not h11.NEED_DATA:
                return event
            async with asyncio.timeout(read_timeout):
                data = await connection.reader.read(_READ_SIZE)
            state.receive_data(data)  # b"": the peer closed its side
    except TimeoutError as exc:
        raise httpx.ReadTimeout(f"read timed out after {read_timeout}s") from exc
    except h11.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


class ResponseBody:
    """The body of one response, read from its connection; the connection goes back to the
    pool when the body has been read to the end, and is closed if it is closed earlier."""

    def __init__(
        self, pool: ConnectionPool, connection: Connection, read_timeout: float | None
    ) -> None:
        self._pool = pool
        self._connection: Connection | None = connection
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        reusable = False
        try:
            while True:
                event = await _next_event(connection, self._read_timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    state = connection.h11
                    if state.our_state is h11.DONE and state.their_state is h11.DONE:
                        state.start_next_cycle()
                        reusable = True
                    return
                else:  # the peer closed the connection before the body's end
                    raise httpx.RemoteProtocolError("the server closed the connection mid-body")
        finally:
            self._finish(reusable=reusable)

    def _finish(self, *, reusable: bool) -> None:
        if self._connection is not None:
            self._pool.release(self._connection, reusable=reusable)
            self._connection = None

    async def aclose(self) -> None:
        self._finish(reusable=False)
