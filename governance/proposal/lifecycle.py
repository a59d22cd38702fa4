"""Opening and closing proposals on time (driven by the background worker's ``run_once``).

Events returned here (frozen dataclasses) let outer layers react, e.g. federation publishing
an opened public proposal, without governance knowing about them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import audit, notification
from governance.ballot import head as ballot_head
from governance.ballot.model import RollCallBallot, VoterRecord
from governance.member import Member, Status
from governance.membership_class import MembershipClass
from governance.notification import NotificationKind
from governance.proposal import counting, effects
from governance.proposal.model import ElectorateEntry, Proposal, ProposalStatus
from governance.tally.types import Outcome

REMINDER_BEFORE = timedelta(hours=24)
STATUS_BY_OUTCOME = {
    Outcome.PASSED: ProposalStatus.PASSED,
    Outcome.REJECTED: ProposalStatus.REJECTED,
    Outcome.NO_QUORUM: ProposalStatus.NO_QUORUM,
    Outcome.TIE: ProposalStatus.REJECTED,
}


@dataclass(frozen=True)
class ProposalOpened:
    proposal_id: int
    at: datetime


@dataclass(frozen=True)
class ProposalClosed:
    proposal_id: int
    status: ProposalStatus
    at: datetime


async def _snapshot_electorate(session: AsyncSession, proposal: Proposal) -> list[int]:
    eligible_slugs = set(proposal.rules.get("eligible_classes") or [])
    classes = {c.id: c for c in (await session.scalars(select(MembershipClass))).all()}
    voters: list[int] = []
    for member in (
        await session.scalars(select(Member).where(Member.status == Status.MEMBER))
    ).all():
        cls = classes.get(member.class_id) if member.class_id is not None else None
        if eligible_slugs and (cls is None or cls.slug not in eligible_slugs):
            continue
        weight = cls.vote_weight if cls is not None else Decimal(1)
        if weight <= 0:
            continue
        session.add(
            ElectorateEntry(
                proposal_id=proposal.id,
                member_id=member.id,
                class_key=cls.slug if cls is not None else counting.NO_CLASS,
                weight=weight,
            )
        )
        voters.append(member.id)
    proposal.rules = {
        **proposal.rules,
        "class_caps": {
            c.slug: None if c.weight_cap is None else str(c.weight_cap) for c in classes.values()
        },
    }
    await session.flush()
    return voters


async def open_proposal(
    session: AsyncSession, proposal: Proposal, *, now: datetime
) -> ProposalOpened:
    voters = await _snapshot_electorate(session, proposal)
    if proposal.rules.get("secret"):
        proposal.slot_key = secrets.token_hex(32)
    proposal.status = ProposalStatus.OPEN
    proposal.opened_at = now
    await notification.notify(
        session, voters, NotificationKind.PROPOSAL_OPENED, proposal_id=proposal.id, now=now
    )
    await audit.record(
        session,
        now=now,
        action="proposal.open",
        target=f"proposal:{proposal.id}",
        details={"electorate": len(voters)},
    )
    return ProposalOpened(proposal.id, now)


async def close_proposal(
    session: AsyncSession,
    proposal: Proposal,
    *,
    now: datetime,
    signer: ballot_head.Signer | None = None,
) -> ProposalClosed:
    """Count, set the outcome, seal the ballot log (signed by ``signer``; unsigned without
    one, for an instance with no key), enact on pass, erase the secret slot key, notify."""
    proposal.status = ProposalStatus.CLOSED
    proposal.closed_at = now
    result = await counting.count(session, proposal)
    secret = bool(proposal.rules.get("secret"))
    proposal.result = counting.result_to_json(result, secret=secret)
    proposal.status = STATUS_BY_OUTCOME[result.outcome]
    await ballot_head.seal(session, proposal, signer, now=now)
    proposal.slot_key = None
    if proposal.status is ProposalStatus.PASSED:
        await effects.enact(session, proposal, now)
    electorate = (
        await session.scalars(
            select(ElectorateEntry.member_id).where(ElectorateEntry.proposal_id == proposal.id)
        )
    ).all()
    await notification.notify(
        session, electorate, NotificationKind.RESULT_PUBLISHED, proposal_id=proposal.id, now=now
    )
    await audit.record(
        session,
        now=now,
        action="proposal.close",
        target=f"proposal:{proposal.id}",
        details={"status": proposal.status.value, "ballots": result.ballot_count},
    )
    return ProposalClosed(proposal.id, proposal.status, now)


async def open_due(session: AsyncSession, *, now: datetime) -> list[ProposalOpened]:
    due = (
        await session.scalars(
            select(Proposal)
            .where(Proposal.status == ProposalStatus.SCHEDULED, Proposal.opens_at <= now)
            .order_by(Proposal.opens_at, Proposal.id)
        )
    ).all()
    return [await open_proposal(session, p, now=now) for p in due]


async def close_due(
    session: AsyncSession, *, now: datetime, signer: ballot_head.Signer | None = None
) -> list[ProposalClosed]:
    due = (
        await session.scalars(
            select(Proposal)
            .where(Proposal.status == ProposalStatus.OPEN, Proposal.closes_at <= now)
            .order_by(Proposal.closes_at, Proposal.id)
        )
    ).all()
    return [await close_proposal(session, p, now=now, signer=signer) for p in due]


async def remind_closing(session: AsyncSession, *, now: datetime) -> int:
    """Tell members who have not voted that a proposal closes within 24 hours."""
    due = (
        await session.scalars(
            select(Proposal).where(
                Proposal.status == ProposalStatus.OPEN,
                Proposal.closes_at <= now + REMINDER_BEFORE,
                # Past its closing time it is about to be closed, not "closing soon".
                Proposal.closes_at > now,
                Proposal.closing_reminder_sent.is_(False),
            )
        )
    ).all()
    sent = 0
    for proposal in due:
        voted_model = VoterRecord if proposal.rules.get("secret") else RollCallBallot
        voted = set(
            (
                await session.scalars(
                    select(voted_model.voter_id).where(voted_model.proposal_id == proposal.id)
                )
            ).all()
        )
        electorate = (
            await session.scalars(
                select(ElectorateEntry.member_id).where(ElectorateEntry.proposal_id == proposal.id)
            )
        ).all()
        sent += await notification.notify(
            session,
            [m for m in electorate if m not in voted],
            NotificationKind.CLOSING_SOON,
            proposal_id=proposal.id,
            now=now,
        )
        proposal.closing_reminder_sent = True
    await session.flush()
    return sent
