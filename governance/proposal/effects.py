"""What passing a proposal does, by the kind's ``effect``.

This registry is the seam where later features plug in (ledger postings, contract approval):
add an :class:`~governance.bylaws.document.Effect` member and an entry in :data:`EFFECTS`.
An effect runs in the same transaction as the close, inside a savepoint: when it is refused
(a :class:`~governance.errors.GovernanceError`), everything it wrote is rolled back, the
proposal keeps its result (passed) and ``proposal.enactment`` records the refusal's code and
message, so the failure is visible instead of half-done. On success ``enactment`` is
``{"ok": true, ...}`` (with what the effect made, e.g. the ledger transaction's ``seq``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from governance import audit
from governance import member as members
from governance.bylaws import store as bylaws_store
from governance.bylaws.document import Effect, parse_bylaws
from governance.errors import GovernanceError
from governance.ledger import journal, shares
from governance.ledger.surplus import service as surplus
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


async def _allocate_surplus(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    tx = await surplus.enact(session, proposal, now)
    proposal.enactment = {"ok": True, "transaction_seq": tx.seq}


EFFECTS: dict[Effect, EffectFn] = {
    Effect.RECORD: _record,
    Effect.ADMIT_MEMBER: _admit_member,
    Effect.AMEND_BYLAWS: _amend_bylaws,
    Effect.ALLOCATE_SURPLUS: _allocate_surplus,
}


def refusal(exc: GovernanceError) -> dict[str, Any]:
    """How a refused enactment is recorded (the template lets pages translate it)."""
    return {
        "ok": False,
        "code": exc.code,
        "message": exc.message,
        "template": exc.template,
        "params": {key: str(value) for key, value in exc.params.items()},
    }


async def enact(session: AsyncSession, proposal: Proposal, now: datetime) -> None:
    """Run the kind's effect in a savepoint; a refusal is recorded, not raised."""
    effect = EFFECTS[Effect(proposal.rules.get("effect", "record"))]
    try:
        async with session.begin_nested():
            await effect(session, proposal, now)
    except GovernanceError as exc:
        journal.forget_write_state(session)
        proposal.enactment = refusal(exc)
        await audit.record(
            session,
            now=now,
            action="proposal.enact_failed",
            target=f"proposal:{proposal.id}",
            details={"code": exc.code, "message": exc.message},
        )
        return
    if proposal.enactment is None:
        proposal.enactment = {"ok": True}
