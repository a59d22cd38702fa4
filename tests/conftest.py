"""Shared fixtures.

The suite runs on SQLite by default. Set ``COOPFED_TEST_DATABASE_URL`` to a PostgreSQL URL
(for example ``postgresql://postgres@127.0.0.1:5432/test``) to run it on PostgreSQL.

On SQLite every test gets its own copy of a migrated template file. On PostgreSQL the run
creates a migrated template database and one working copy of it; every test uses the working
copy and leaves it empty again (``TRUNCATE … RESTART IDENTITY``), which costs milliseconds
where a database per test would cost most of a second. Tests that need a second database
copy the template (``CREATE DATABASE … TEMPLATE``). Tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from starlette.applications import Starlette

from coopfed import bootstrap
from coopfed.app import create_app
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from federation import keys
from governance.clock import ManualClock
from tests import pg

# Property tests check behaviour, not speed: no per-example deadline and no "too slow" health
# check, so a loaded machine (CI shares its cores) cannot fail them. Speed lives in tests/bench.
hypothesis_settings.register_profile(
    "coopfed", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("coopfed")

PG_URL = os.environ.get("COOPFED_TEST_DATABASE_URL", "")
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    return f"coopfed database backend: {'PostgreSQL ' + pg.redact(PG_URL) if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session", autouse=True)
def key_pool() -> Iterator[None]:
    """Hand out pre-generated key pairs instead of making an RSA-2048 key for every test.

    Each call still returns the next pair of a pool, so a rotation gets a different key.
    """
    pools = {kind: [keys._generate(kind) for _ in range(6)] for kind in keys.KeyType}
    cursors = {kind: itertools.cycle(pool) for kind, pool in pools.items()}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys, "_generate", lambda kind: next(cursors[kind]))
        yield


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


@pytest.fixture(scope="session")
def working_database(template_database: str) -> Iterator[str]:
    """PostgreSQL only: the database the tests share, emptied after each one."""
    if not PG_URL:
        yield ""
        return
    name = f"coopfed_run_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(pg.create_database(PG_URL, name, template=template_database))
    yield pg.with_database(PG_URL, name)
    asyncio.run(pg.drop_database(PG_URL, name))


@pytest.fixture
def database_url(template_database: str, working_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test; empty string means SQLite in ``tmp_path``."""
    if PG_URL:
        yield working_database
        asyncio.run(pg.truncate_all(working_database))
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
