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

from coopfed.auth import web_session
from coopfed.context import AppContext
from governance.proposal import lifecycle

log = logging.getLogger("coopfed.worker")


class Job(Protocol):
    name: str

    async def run_once(self, ctx: AppContext) -> int: ...


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
            await db.commit()
        async with ctx.session() as db:
            reminded = await lifecycle.remind_closing(db, now=now)
            await db.commit()
        async with ctx.session() as db:
            closed = await lifecycle.close_due(db, now=now)
            await db.commit()
        return len(opened) + len(closed) + (1 if reminded else 0)


def default_jobs() -> list[Job]:
    return [ProposalClock(), PurgeExpiredSessions()]


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
