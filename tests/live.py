"""Run a real coopfed instance (uvicorn) in a background thread, for browser and live tests.

The server gets its own thread and its own event loop. Async engines are bound to the loop
they first run on, so everything that touches the database — :func:`bootstrap.initialize` and
the app's :class:`~coopfed.context.AppContext` — is created *inside* that loop, never in the
test's thread.

    with serve_in_thread(settings) as live:
        page.goto(live.setup_url)

``settings.port`` may be 0: a free port is then picked, and ``base_url``/``port`` in
``live.settings`` name it. The listening socket is bound before the server thread starts, so
no other process can take the port in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from coopfed import bootstrap
from coopfed.app import create_app
from coopfed.context import build_context
from coopfed.settings import Settings
from governance.clock import Clock

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class LiveServer:
    url: str  # base URL, no trailing slash
    setup_url: str | None  # the one-time setup link; None if the instance was already set up
    settings: Settings  # with the real port and base_url filled in

    def __str__(self) -> str:
        return self.url


def free_port() -> int:
    """A port that was free a moment ago (prefer ``port=0`` in settings, which cannot race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def serve_asgi_in_thread(
    make_app: Callable[[], Awaitable[ASGIApp]], *, port: int = 0
) -> Iterator[str]:
    """Serve the app that ``make_app()`` returns (called inside the server's event loop) on
    127.0.0.1 (``port`` 0: a free one); yield the base URL, then shut the server down and join
    its thread."""
    with _serve_on(make_app, _bind(port)) as url:
        yield url


@contextlib.contextmanager
def _serve_on(make_app: Callable[[], Awaitable[ASGIApp]], sock: socket.socket) -> Iterator[str]:
    bound_port: int = sock.getsockname()[1]
    holder: dict[str, uvicorn.Server] = {}
    failure: list[BaseException] = []

    async def main() -> None:
        app = await make_app()
        config = uvicorn.Config(
            app,
            host=HOST,
            port=bound_port,
            lifespan="on",
            log_config=None,  # leave logging alone: pytest captures uvicorn's error log
            log_level="warning",
            access_log=False,
            ws="none",
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        holder["server"] = server
        await server.serve(sockets=[sock])

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # SystemExit when the app's lifespan fails, too
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"coopfed-live-{bound_port}", daemon=True)
    thread.start()
    try:
        _wait_started(thread, holder, failure)
        yield f"http://{HOST}:{bound_port}"
    finally:
        server = holder.get("server")
        if server is not None:
            server.should_exit = True
        thread.join(STOP_TIMEOUT)
        if thread.is_alive() and server is not None:
            server.force_exit = True
            thread.join(STOP_TIMEOUT)
        sock.close()
    if thread.is_alive():
        raise RuntimeError("the live server did not stop")
    if failure and not isinstance(failure[0], SystemExit | KeyboardInterrupt):
        raise RuntimeError("the live server failed while running") from failure[0]


def _wait_started(
    thread: threading.Thread, holder: dict[str, uvicorn.Server], failure: list[BaseException]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if failure:
            raise RuntimeError("the live server failed to start") from failure[0]
        server = holder.get("server")
        if server is not None and server.started:
            return
        if not thread.is_alive():
            raise RuntimeError("the live server thread ended before the server started")
        time.sleep(0.02)
    raise RuntimeError(f"the live server did not start within {START_TIMEOUT} s")


@contextlib.contextmanager
def serve_in_thread(settings: Settings, *, clock: Clock | None = None) -> Iterator[LiveServer]:
    """Initialise the instance (schema, instance row, keys, setup link) and serve
    ``create_app(settings)`` on 127.0.0.1 in a background thread.

    ``settings.port`` 0 binds a free port. An empty ``base_url`` becomes
    ``http://127.0.0.1:<port>``. The yielded :class:`LiveServer` carries the base URL, the
    setup link (``None`` if the instance was already set up) and the settings in effect.
    """
    sock = _bind(settings.port)
    port: int = sock.getsockname()[1]
    settings = settings.replace(
        host=HOST, port=port, base_url=settings.base_url or f"http://{HOST}:{port}"
    )
    setup: list[str | None] = []

    async def make_app() -> ASGIApp:
        ctx = build_context(settings, clock=clock)
        try:
            result = await bootstrap.initialize(ctx, upgrade=True)
        finally:
            await ctx.dispose()
        setup.append(result.setup_url)
        return create_app(settings, clock=clock, run_worker=settings.run_worker)

    with _serve_on(make_app, sock) as url:
        yield LiveServer(url=url, setup_url=setup[0], settings=settings)
