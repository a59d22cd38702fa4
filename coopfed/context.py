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
from federation.inbox_writer import InboxWriter
from federation.keys import KeyRing
from federation.policy import FederationPolicy
from federation.remote import RemoteActors
from governance.clock import Clock, SystemClock
from governance.ledger.checkpoint import TreeCache
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
    # The ledger's Merkle tree, extended as the log grows, so proofs need not reread it.
    ledger_tree: TreeCache = field(default_factory=TreeCache)
    # Block list / allow-list mode, cached for synchronous checks (the inbox, the safe client).
    policy: FederationPolicy = field(default_factory=FederationPolicy)
    # Remote actors and keys (fetched through the safe client); opened by the app's lifespan
    # (coopfed.federation_inbox.start), None outside it.
    remote: RemoteActors | None = None
    # Group commit for inbox inserts; opened with ``remote``, None outside the lifespan.
    inbox_writer: InboxWriter | None = None

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
