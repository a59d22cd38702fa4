"""Background work: one loop stepping every job kind; tests call :meth:`Worker.run_once`.

A job is anything with a ``name`` and an ``async run_once(ctx) -> int`` returning how many items
it handled. ``coopfed serve`` runs a worker inside the app's lifespan; ``coopfed worker`` runs one
as its own process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed import federation_jobs
from coopfed.auth import web_session
from coopfed.context import AppContext
from coopfed.delivery_job import DeliverActivities
from federation import keys
from federation.actor import COOP_NAME, LocalUrls
from federation.multikey import ed25519_multibase
from governance.ledger import checkpoint
from governance.proposal import lifecycle

log = logging.getLogger("coopfed.worker")


class Job(Protocol):
    name: str

    async def run_once(self, ctx: AppContext) -> int: ...


class InstanceSigner:
    """The instance's Ed25519 key as governance's ballot-log ``Signer`` port."""

    def __init__(self, key: ed25519.Ed25519PrivateKey, key_id: str) -> None:
        self._key = key
        self.key_id = key_id
        self.multibase = ed25519_multibase(key.public_key())

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


async def instance_signer(ctx: AppContext, db: AsyncSession) -> InstanceSigner | None:
    """The instance's current Ed25519 key, or None when the instance has no key yet."""
    # Read from the database each time, not the process's key ring: a rotation elsewhere
    # must not leave this worker signing with a retired key.
    row = (await keys.current(db, keys.INSTANCE_ACTOR)).get(keys.KeyType.ED25519)
    if row is None:
        return None
    private = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        return None
    key_id = LocalUrls.of(ctx.settings.effective_base_url).ed25519_key(COOP_NAME)
    return InstanceSigner(private, key_id)


class PurgeExpiredSessions:
    name = "purge-expired-sessions"

    async def run_once(self, ctx: AppContext) -> int:
        async with ctx.session() as db:
            purged = await web_session.purge_expired(db, now=ctx.clock.now())
            await db.commit()
        return purged


class ProposalClock:
    """Opens scheduled proposals, reminds members before closing, closes due proposals.

    Each step commits on its own so a failure in one proposal's close does not undo others.
    """

    name = "proposal-clock"

    async def run_once(self, ctx: AppContext) -> int:
        now = ctx.clock.now()
        async with ctx.session() as db:
            opened = await lifecycle.open_due(db, now=now)
            await federation_jobs.publish_opened(ctx, db, opened)
            await db.commit()
        async with ctx.session() as db:
            reminded = await lifecycle.remind_closing(db, now=now)
            await db.commit()
        async with ctx.session() as db:
            signer = await instance_signer(ctx, db)
            closed = await lifecycle.close_due(db, now=now, signer=signer)
            await federation_jobs.publish_closed(ctx, db, closed)
            await db.commit()
        return len(opened) + len(closed) + (1 if reminded else 0)


class LedgerCheckpoints:
    """Signs a checkpoint of the ledger's log after writes (nothing when the log is unchanged)."""

    name = "ledger-checkpoints"

    async def run_once(self, ctx: AppContext) -> int:
        async with ctx.session() as db:
            signer = await instance_signer(ctx, db)
            made = await checkpoint.publish(db, signer, now=ctx.clock.now(), cache=ctx.ledger_tree)
            await db.commit()
        return 0 if made is None else 1


def default_jobs() -> list[Job]:
    return [
        ProposalClock(),
        PurgeExpiredSessions(),
        federation_jobs.ProcessInbox(),
        federation_jobs.PublishProposals(),
        DeliverActivities(),
        LedgerCheckpoints(),
    ]


class Worker:
    def __init__(self, ctx: AppContext, jobs: Sequence[Job] | None = None) -> None:
        self.ctx = ctx
        self.jobs = list(jobs) if jobs is not None else default_jobs()

    async def run_once(self) -> dict[str, int]:
        """Step every job once; a failing job is logged and does not stop the others."""
        done: dict[str, int] = {}
        for job in self.jobs:
            try:
                done[job.name] = await job.run_once(self.ctx)
            except Exception:
                log.exception("job %s failed; it will run again next round", job.name)
                done[job.name] = -1
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        interval = self.ctx.settings.worker_interval
        while not stop.is_set():
            done = await self.run_once()
            if any(n > 0 for n in done.values()):
                continue  # more may be waiting
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
