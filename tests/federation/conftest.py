"""Several real coopfed instances in one test run, talking real HTTP with real signatures.

``network`` starts three instances on loopback ports, each in its own thread and event loop
(uvicorn), with its own database and keys: ``a`` on PostgreSQL (a fresh database for the test,
on the server ``COOPFED_TEST_FEDERATION_PG_URL`` names, else ``COOPFED_TEST_DATABASE_URL``;
``scripts/test.sh`` sets the first in both passes, so the SQLite pass mixes backends too),
``b`` and ``c`` on SQLite.
Loopback is allow-listed for these instances only. Every instance is set up through its
first-run page (worker co-op bylaws) and its admin's browser session is kept.

The instances share the test's ``ManualClock``; their workers never run on their own: a test
steps them with ``node.step()`` (``Worker.run_once`` in the instance's own loop). ``node.stop()``
and ``node.start()`` take an instance off the network and bring it back on the same port, with
the same database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp

from coopfed import bootstrap
from coopfed.app import create_app
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from coopfed.worker import Worker
from governance.clock import ManualClock
from tests import pg
from tests.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of
from tests.live import _bind, _serve_on

T = TypeVar("T")
PG_URL = os.environ.get("COOPFED_TEST_DATABASE_URL", "")
# Where instance ``a`` gets its PostgreSQL database, whichever backend the rest of the run uses.
NODE_A_PG_URL = os.environ.get("COOPFED_TEST_FEDERATION_PG_URL", "") or PG_URL
CALL_TIMEOUT = 60.0


@dataclass
class Node:
    """One live instance: its URL, settings, and (while running) its loop and app."""

    name: str
    settings: Settings
    clock: ManualClock
    port: int
    sock: socket.socket | None = None
    server: AbstractContextManager[str] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    app: Starlette | None = None
    setup_url: str | None = None
    admin: httpx.Client | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def handle(self) -> str:
        return f"@coop@{self.domain}"

    @property
    def actor(self) -> str:
        return f"{self.url}/actors/coop"

    @property
    def ctx(self) -> AppContext:
        assert self.app is not None, f"{self.name} is not running"
        ctx: AppContext = self.app.state.ctx
        return ctx

    def start(self) -> None:
        """Serve the instance (on its port, with its database); set up on first start."""
        holder: dict[str, Any] = {}

        async def make_app() -> ASGIApp:
            ctx = build_context(self.settings, clock=self.clock)
            try:
                result = await bootstrap.initialize(ctx, upgrade=True)
            finally:
                await ctx.dispose()
            holder["setup"] = result.setup_url
            holder["loop"] = asyncio.get_running_loop()
            app = create_app(self.settings, clock=self.clock, run_worker=False)
            holder["app"] = app
            return app

        sock, self.sock = self.sock or _bind(self.port), None
        server = _serve_on(make_app, sock)
        server.__enter__()
        self.server = server
        self.loop, self.app = holder["loop"], holder["app"]
        if holder["setup"] is not None:
            self.setup_url = holder["setup"]

    def stop(self) -> None:
        """Shut the server down (connections refused until ``start``)."""
        server, self.server = self.server, None
        self.loop = self.app = None
        if server is not None:
            server.__exit__(None, None, None)

    def call(self, work: Callable[[AppContext], Awaitable[T]]) -> T:
        """Run ``work(ctx)`` in the instance's own event loop (where its engine lives)."""
        assert self.loop is not None, f"{self.name} is not running"
        ctx = self.ctx
        future: Future[T] = asyncio.run_coroutine_threadsafe(_call(work, ctx), self.loop)
        return future.result(CALL_TIMEOUT)

    def step(self, rounds: int = 1) -> dict[str, int]:
        """One round (or more) of every worker job, as ``coopfed serve`` would run them."""
        done: dict[str, int] = {}
        for _ in range(rounds):
            done = self.call(lambda ctx: Worker(ctx).run_once())
            assert all(n >= 0 for n in done.values()), f"a job failed on {self.name}: {done}"
        return done


async def _call(work: Callable[[AppContext], Awaitable[T]], ctx: AppContext) -> T:
    return await work(ctx)


def set_up(node: Node) -> httpx.Client:
    """First-run setup through the web page (worker co-op bylaws); a signed-in admin client."""
    assert node.setup_url is not None
    client = httpx.Client(base_url=node.url, timeout=30)
    page = client.get(node.setup_url)
    assert page.status_code == 200, page.text
    response = client.post(
        "/setup",
        data={
            "csrf_token": csrf_of(page.text),
            "token": node.setup_url.split("token=")[1],
            "coop_name": f"Co-op {node.name.upper()}",
            "display_name": f"Admin {node.name.upper()}",
            "email": ADMIN_EMAIL,
            "language": "en",
            "preset": "worker_coop",
            "password": ADMIN_PASSWORD,
            "password_confirm": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 303, response.text
    return client


def post_form(client: httpx.Client, url: str, data: dict[str, str], *, page: str) -> httpx.Response:
    """POST a form found on ``page`` (its CSRF token taken from that page)."""
    found = client.get(page)
    assert found.status_code == 200, found.text
    return client.post(url, data={**data, "csrf_token": csrf_of(found.text)})


@dataclass
class Network:
    a: Node
    b: Node
    c: Node

    @property
    def nodes(self) -> tuple[Node, Node, Node]:
        return (self.a, self.b, self.c)


@pytest.fixture
def network(
    settings: Settings, clock: ManualClock, tmp_path: Path, template_database: str
) -> Iterator[Network]:
    """Three set-up instances: ``a`` (PostgreSQL when available), ``b`` and ``c`` (SQLite)."""
    base = settings.replace(
        base_url="", federation_allow_networks=("127.0.0.0/8",), run_worker=False
    )
    created_pg: list[str] = []
    nodes: dict[str, Node] = {}
    for name in ("a", "b", "c"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        database_url = ""
        if name == "a" and NODE_A_PG_URL:
            db_name = f"coopfed_fed_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            asyncio.run(pg.create_database(NODE_A_PG_URL, db_name))
            created_pg.append(db_name)
            database_url = pg.with_database(NODE_A_PG_URL, db_name)
        elif not PG_URL:
            shutil.copyfile(template_database, data_dir / "coopfed.db")
        sock = _bind(0)
        port: int = sock.getsockname()[1]
        node_settings = base.replace(
            data_dir=data_dir,
            database_url=database_url,
            host="127.0.0.1",
            port=port,
            base_url=f"http://127.0.0.1:{port}",
        )
        nodes[name] = Node(name, node_settings, clock, port, sock=sock)
    try:
        for node in nodes.values():
            node.start()
            node.admin = set_up(node)
        yield Network(nodes["a"], nodes["b"], nodes["c"])
    finally:
        for node in nodes.values():
            if node.admin is not None:
                node.admin.close()
            node.stop()
            if node.sock is not None:
                node.sock.close()
        for db_name in created_pg:
            asyncio.run(pg.drop_database(NODE_A_PG_URL, db_name))
