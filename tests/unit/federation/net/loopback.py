"""A raw ``asyncio.start_server`` HTTP/1.1 responder for the safe-client tests.

It runs in the test's own event loop; routes map a path to a ``Reply`` (or a function of the
request returning one). It records requests and counts connections so tests can assert that
nothing was contacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunks: list[bytes] | None = None  # sent with Transfer-Encoding: chunked
    delay: float = 0.0  # before the status line
    chunk_delay: float = 0.0  # between chunks


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = Reply | Callable[[SeenRequest], Reply]


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self.connections = 0
        self.scheme = "http"
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopping = asyncio.Event()

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> str:
        self.routes[path] = reply
        return self.url(path)

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        if ssl_context is not None:
            self.scheme = "https"
        self._server = await asyncio.start_server(self._serve, self.host, 0, ssl=ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        # Handlers are never cancelled (asyncio 3.11 logs a cancelled client_connected_cb as
        # an error); they see the stop event or their closed socket and return by themselves.
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            # abort, not close: a TLS close waits for the idle client's close_notify
            writer.transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the server is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                route = self.routes.get(request.path, Reply(status=404, body=b"not found"))
                reply = route(request) if callable(route) else route
                await self._write_reply(writer, reply)
        except (OSError, asyncio.IncompleteReadError):  # the client went away
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._writers.discard(writer)
            self._tasks.discard(task)

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> SeenRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return SeenRequest(method, path, headers, body)

    async def _write_reply(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        if reply.delay and await self._pause(reply.delay):
            return
        names = {name.lower() for name, _ in reply.headers}
        headers = list(reply.headers)
        if reply.chunks is not None:
            headers.append(("Transfer-Encoding", "chunked"))
        elif "content-length" not in names:
            headers.append(("Content-Length", str(len(reply.body))))
        head = f"HTTP/1.1 {reply.status} Whatever\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers)
        writer.write(head.encode("latin-1") + b"\r\n")
        if reply.chunks is None:
            writer.write(reply.body)
            await writer.drain()
            return
        for chunk in reply.chunks:
            if reply.chunk_delay and await self._pause(reply.chunk_delay):
                return
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()


@dataclass
class TLSPair:
    server: ssl.SSLContext
    client: ssl.SSLContext
