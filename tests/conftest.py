"""Shared fixtures.

The suite runs on SQLite by default. Set ``COOPFED_TEST_DATABASE_URL`` to a PostgreSQL URL
(for example ``postgresql://postgres@127.0.0.1:5432/test``) to run it on PostgreSQL: the
fixtures then create a migrated template database once per run and give every test its own
copy (``CREATE DATABASE … TEMPLATE``), dropped afterwards. Tests never share state.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette

from coopfed import bootstrap
from coopfed.app import create_app
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from governance.clock import ManualClock
from tests import pg

PG_URL = os.environ.get("COOPFED_TEST_DATABASE_URL", "")
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    return f"coopfed database backend: {'PostgreSQL ' + pg.redact(PG_URL) if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database to copy for each test (a file on SQLite, a database on PG)."""
    if PG_URL:
        name = f"coopfed_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(pg.create_database(PG_URL, name))
        url = pg.with_database(PG_URL, name)
        asyncio.run(_migrate(url, tmp_path_factory.mktemp("tpl")))
        yield name
        asyncio.run(pg.drop_database(PG_URL, name))
    else:
        folder = tmp_path_factory.mktemp("template")
        asyncio.run(_migrate("", folder))
        yield str(folder / "coopfed.db")


async def _migrate(url: str, data_dir: Path) -> None:
    ctx = build_context(Settings(data_dir=data_dir, database_url=url))
    try:
        await bootstrap.prepare_schema(ctx, upgrade=True)
    finally:
        await ctx.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test; empty string means SQLite in ``tmp_path``."""
    if PG_URL:
        name = f"coopfed_t_{uuid.uuid4().hex[:12]}"
        asyncio.run(pg.create_database(PG_URL, name, template=template_database))
        yield pg.with_database(PG_URL, name)
        asyncio.run(pg.drop_database(PG_URL, name))
    else:
        shutil.copyfile(template_database, tmp_path / "coopfed.db")
        yield ""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_url="http://testserver",
        fast_password_hashing=True,
        signin_delay=0.0,
        run_worker=False,
    )


@pytest.fixture
async def ctx(settings: Settings, clock: ManualClock) -> AsyncIterator[AppContext]:
    context = build_context(settings, clock=clock)
    await bootstrap.initialize(context, upgrade=False)
    yield context
    await context.dispose()


@pytest.fixture
async def app(ctx: AppContext, settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings, context=ctx, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield c
