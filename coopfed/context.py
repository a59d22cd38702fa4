"""Everything one running instance needs, built by :func:`build_context` and owned by its app.

There is no module-level state: two contexts (two instances) can live in one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coopfed.db import create_engine, session_factory
from coopfed.i18n import Catalogs
from coopfed.settings import Settings
from federation.keys import KeyRing
from governance.clock import Clock, SystemClock
from governance.password import DEFAULT_PROFILE, FAST_TEST_PROFILE, PasswordHasher


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    hasher: PasswordHasher
    catalogs: Catalogs
    keyring: KeyRing = field(default_factory=KeyRing)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as db:
            yield db

    async def dispose(self) -> None:
        await self.engine.dispose()


def build_context(settings: Settings, *, clock: Clock | None = None) -> AppContext:
    engine = create_engine(settings)
    profile = FAST_TEST_PROFILE if settings.fast_password_hashing else DEFAULT_PROFILE
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        clock=clock or SystemClock(),
        hasher=PasswordHasher(profile),
        catalogs=Catalogs(),
    )
