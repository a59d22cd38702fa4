"""Read-only figures about a proposal's ballots: who may vote, how many have, and (after
close) the roll-call list. Never what a secret ballot's voter chose."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.proposal.model import ElectorateEntry, Proposal


async def electorate_of(session: AsyncSession, proposal_id: int) -> set[int]:
    rows = await session.scalars(
        select(ElectorateEntry.member_id).where(ElectorateEntry.proposal_id == proposal_id)
    )
    return set(rows.all())


async def voters_so_far(session: AsyncSession, proposal: Proposal) -> int:
    """How many members have a ballot (secret or not)."""
    model = VoterRecord if proposal.rules.get("secret") else RollCallBallot
    count = await session.scalar(
        select(func.count(model.id)).where(model.proposal_id == proposal.id)
    )
    return int(count or 0)


async def roll_call(session: AsyncSession, proposal_id: int) -> list[RollCallBallot]:
    rows = await session.scalars(
        select(RollCallBallot)
        .where(RollCallBallot.proposal_id == proposal_id)
        .order_by(RollCallBallot.voter_id)
    )
    return list(rows.all())


async def secret_ballots_by_proxy(session: AsyncSession, proposal_id: int) -> int:
    count = await session.scalar(
        select(func.count(SecretBallot.id)).where(
            SecretBallot.proposal_id == proposal_id, SecretBallot.via_proxy.is_(True)
        )
    )
    return int(count or 0)
