"""Federation's background work in the worker: inbox processing and proposal publishing.

``ProcessInbox`` runs ``federation.inbox.InboxProcessor`` with the handlers of
``federation.dispatch`` (Follow, Accept, Reject, Undo, Create, Update, Delete); other types
are recorded as failed, for an admin to see and retry.

Proposals: the proposal clock (``coopfed.worker.ProposalClock``) calls ``publish_opened`` and
``publish_closed`` in the transaction that opens or closes proposals, so the ``Question``
goes into the outbox with the change (inside a savepoint: a publishing error is logged and
does not stop the vote). ``PublishProposals`` then catches up anything recently opened or
closed that is not in the outbox yet; publishing is idempotent, so it never sends twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.context import AppContext
from federation import publishing
from federation.actor import LocalUrls
from federation.dispatch import InboxEnv, build_handlers
from federation.inbox import InboxProcessor
from governance.proposal.lifecycle import ProposalClosed, ProposalOpened
from governance.proposal.model import Proposal

__all__ = ["ProcessInbox", "PublishProposals", "publish_closed", "publish_opened"]

log = logging.getLogger("coopfed.federation")

CATCH_UP: Final = timedelta(days=7)


def inbox_env(ctx: AppContext) -> InboxEnv:
    remote = ctx.remote
    return InboxEnv(
        urls=LocalUrls.of(ctx.settings.effective_base_url),
        clock=ctx.clock,
        fetch_actor=remote.fetch_actor if remote is not None else None,
    )


class ProcessInbox:
    """Process received activities by type (a worker job)."""

    name = "inbox"

    def __init__(self, *, batch: int = 100) -> None:
        self.batch = batch

    async def run_once(self, ctx: AppContext) -> int:
        # Built per run: the remote-actor fetcher exists only while the app runs.
        processor = InboxProcessor(build_handlers(inbox_env(ctx)), batch=self.batch)
        return await processor.run_once(ctx)


async def _publish_each(
    ctx: AppContext, db: AsyncSession, ids: Sequence[int], *, closing: bool, now: datetime
) -> int:
    urls = LocalUrls.of(ctx.settings.effective_base_url)
    step = publishing.publish_closed if closing else publishing.publish_opened
    published = 0
    for proposal_id in ids:
        proposal = await db.get(Proposal, proposal_id)
        if proposal is None or not proposal.public:
            continue
        try:
            async with db.begin_nested():
                if await step(db, proposal, urls=urls, now=now) is not None:
                    published += 1
        except Exception:
            # The vote goes on; PublishProposals tries again on its next run.
            log.exception("publishing proposal %s failed", proposal_id)
    return published


async def publish_opened(
    ctx: AppContext, db: AsyncSession, events: Sequence[ProposalOpened]
) -> int:
    """Put the ``Create{Question}`` of each opened public proposal in the outbox (``db``'s
    transaction, not committed)."""
    ids = [event.proposal_id for event in events]
    return await _publish_each(ctx, db, ids, closing=False, now=ctx.clock.now())


async def publish_closed(
    ctx: AppContext, db: AsyncSession, events: Sequence[ProposalClosed]
) -> int:
    """Put the ``Update{Question}`` with the result of each closed public proposal in the
    outbox (``db``'s transaction, not committed)."""
    ids = [event.proposal_id for event in events]
    return await _publish_each(ctx, db, ids, closing=True, now=ctx.clock.now())


class PublishProposals:
    """Publish public proposals opened or closed in the last week that are not in the
    outbox yet (a safety net for the proposal clock's own publishing)."""

    name = "publish-proposals"

    async def run_once(self, ctx: AppContext) -> int:
        now = ctx.clock.now()
        since = now - CATCH_UP
        async with ctx.session() as db:
            rows = (
                await db.execute(
                    select(Proposal.id, Proposal.closed_at).where(
                        Proposal.public.is_(True),
                        or_(Proposal.opened_at >= since, Proposal.closed_at >= since),
                    )
                )
            ).all()
            opened = [row.id for row in rows]
            closed = [row.id for row in rows if row.closed_at is not None]
            done = await _publish_each(ctx, db, opened, closing=False, now=now)
            done += await _publish_each(ctx, db, closed, closing=True, now=now)
            await db.commit()
        return done
