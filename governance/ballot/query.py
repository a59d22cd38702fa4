"""Read-only figures about a proposal's ballots: who may vote, how many have, and (after
close) the roll-call list. Never what a secret ballot's voter chose."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.proposal.model import ElectorateEntry, Proposal
from governance.tally.exact import to_decimal


@dataclass(frozen=True, slots=True)
class Turnout:
    """How many of a proposal's frozen electorate have voted so far: heads, not weight (the
    weighted turnout is in the counted result). ``share`` is ``voted / electorate`` as the
    results report decimals (``to_decimal``), 0 for an empty electorate."""

    voted: int
    electorate: int
    share: Decimal


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


async def turnout(session: AsyncSession, proposal: Proposal) -> Turnout | None:
    """The head-count turnout; None before voting opened (there is no electorate yet)."""
    if proposal.opened_at is None:
        return None
    electorate = await session.scalar(
        select(func.count(ElectorateEntry.id)).where(ElectorateEntry.proposal_id == proposal.id)
    )
    size = int(electorate or 0)
    voted = await voters_so_far(session, proposal)
    share = to_decimal(Fraction(voted, size)) if size else Decimal(0)
    return Turnout(voted=voted, electorate=size, share=share)


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
