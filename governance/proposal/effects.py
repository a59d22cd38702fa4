"""What passing a proposal does, by the kind's ``effect``.

This registry is the seam where later features plug in (ledger postings, contract approval):
add an :class:`~governance.bylaws.document.Effect` member and an entry in :data:`EFFECTS`.
An effect runs in the same transaction as the close, so a failing effect leaves the proposal
closed-but-not-enacted rather than half-done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from governance import member as members
from governance.bylaws import store as bylaws_store
from governance.bylaws.document import Effect, parse_bylaws
from governance.ledger import shares
from governance.member import Status
from governance.proposal.model import Proposal

EffectFn = Callable[[AsyncSession, Proposal, datetime], Awaitable[None]]


async def _record(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    """The decision is recorded by the proposal's status and result; nothing else changes."""


async def _admit_member(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    if proposal.subject_member_id is None:
        return
    subject = await members.get(session, proposal.subject_member_id)
    if subject.status is Status.APPLICANT:
        await members.set_status(session, subject, Status.MEMBER, by=None, now=now)
        # The bylaws may require a first subscription: post it with the admission.
        rules = (await bylaws_store.current(session)).ledger
        if rules.min_subscription > 0:
            await shares.subscribe(session, subject.id, rules.min_subscription, rules, by=None,
                                   now=now)


async def _amend_bylaws(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    if proposal.proposed_bylaws is None:
        return
    await bylaws_store.adopt(
        session, parse_bylaws(proposal.proposed_bylaws), proposal_id=proposal.id, now=now
    )


EFFECTS: dict[Effect, EffectFn] = {
    Effect.RECORD: _record,
    Effect.ADMIT_MEMBER: _admit_member,
    Effect.AMEND_BYLAWS: _amend_bylaws,
}


async def enact(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    await EFFECTS[Effect(proposal.rules.get("effect", "record"))](session, proposal, now)
