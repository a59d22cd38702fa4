"""Casting or changing a ballot, for oneself or as a proxy holder.

One ballot per voter per proposal, enforced by a unique key and written with a single
``INSERT … ON CONFLICT DO UPDATE``: fifty simultaneous submissions leave one ballot. The
update only applies when the new ballot is the voter's own or the stored one is not, so a
proxy holder can never overwrite the giver's own vote.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import proxy, token
from governance.ballot import choice as choices
from governance.ballot import log as ballot_log
from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.db import dialect_insert
from governance.errors import Conflict, Forbidden, NotFound
from governance.i18n import N_
from governance.member import Member, Status
from governance.proposal.model import ElectorateEntry, Proposal, ProposalOption, ProposalStatus
from governance.tally.types import Method


@dataclass(frozen=True)
class BallotCast:
    """Event and receipt: the ballot is stored; ``receipt`` is shown to the voter once."""

    proposal_id: int
    voter_id: int
    cast_by_id: int
    secret: bool
    receipt: str
    at: datetime


def slot_for(slot_key: str, voter_id: int) -> str:
    return hmac.new(slot_key.encode(), str(voter_id).encode(), hashlib.sha256).hexdigest()


async def option_keys(session: AsyncSession, proposal_id: int) -> list[str]:
    rows = await session.scalars(
        select(ProposalOption.key)
        .where(ProposalOption.proposal_id == proposal_id)
        .order_by(ProposalOption.position)
    )
    return list(rows.all())


async def cast(
    session: AsyncSession,
    proposal_id: int,
    actor: Member,
    raw_choice: object,
    *,
    now: datetime,
    reason: str = "",
    on_behalf_of: int | None = None,
) -> BallotCast:
    proposal = await session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(N_("There is no proposal with id %(id)s."), id=proposal_id)
    if actor.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members can vote."), code="not_member")
    if proposal.status is not ProposalStatus.OPEN or (
        proposal.closes_at is not None and now >= proposal.closes_at
    ):
        raise Conflict(
            N_("Voting is not open on this proposal (it is %(status)s)."),
            code="voting_closed",
            status=proposal.status.value,
        )
    voter_id = actor.id if on_behalf_of is None else on_behalf_of
    entry = await session.scalar(
        select(ElectorateEntry).where(
            ElectorateEntry.proposal_id == proposal.id, ElectorateEntry.member_id == voter_id
        )
    )
    if entry is None:
        if voter_id == actor.id:
            raise Forbidden(
                N_(
                    "You are not in the electorate of this proposal (its bylaws rules decide "
                    "which membership classes vote)."
                ),
                code="not_eligible",
            )
        raise Forbidden(
            N_("That member is not in the electorate of this proposal."), code="not_eligible"
        )
    if voter_id != actor.id and voter_id not in await proxy.givers_for(session, actor.id, proposal):
        raise Forbidden(
            N_(
                "You hold no usable proxy from this member for this proposal (none was given, "
                "or the bylaws' limit of proxies per holder is reached)."
            ),
            code="no_proxy",
        )
    method = Method(proposal.rules["method"])
    stored, reason = choices.normalize(
        method,
        raw_choice,
        options=await option_keys(session, proposal.id),
        max_choices=proposal.rules.get("max_choices"),
        reason=reason,
    )
    receipt = token.new_secret(12)
    if proposal.rules.get("secret"):
        await _cast_secret(session, proposal, entry, actor, stored, reason, receipt, now)
    else:
        await _cast_roll_call(session, proposal, voter_id, actor, stored, reason, receipt, now)
    await ballot_log.append(
        session,
        proposal,
        stored,
        token.digest(receipt),
        voter_id=voter_id,
        class_key=entry.class_key,
        weight=entry.weight,
        slot=slot_for(proposal.slot_key or "", voter_id) if proposal.rules.get("secret") else None,
    )
    return BallotCast(
        proposal.id, voter_id, actor.id, bool(proposal.rules.get("secret")), receipt, now
    )


def _refused_override() -> Conflict:
    return Conflict(
        N_(
            "This member has voted themselves; their own ballot counts and a proxy cannot "
            "replace it."
        ),
        code="voter_voted_directly",
    )


async def _cast_roll_call(
    session: AsyncSession,
    proposal: Proposal,
    voter_id: int,
    actor: Member,
    stored: dict[str, object],
    reason: str,
    receipt: str,
    now: datetime,
) -> None:
    table = RollCallBallot.__table__
    insert = dialect_insert(session, table)
    statement = insert.values(
        proposal_id=proposal.id,
        voter_id=voter_id,
        cast_by_id=actor.id,
        choice=stored,
        reason=reason,
        receipt_digest=token.digest(receipt),
        cast_at=now,
    ).on_conflict_do_update(
        index_elements=["proposal_id", "voter_id"],
        set_={
            "cast_by_id": insert.excluded.cast_by_id,
            "choice": insert.excluded.choice,
            "reason": insert.excluded.reason,
            "receipt_digest": insert.excluded.receipt_digest,
            "cast_at": insert.excluded.cast_at,
        },
        where=or_(
            insert.excluded.cast_by_id == insert.excluded.voter_id,
            table.c.cast_by_id != table.c.voter_id,
        ),
    )
    result = await session.execute(statement)
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise _refused_override()


async def _cast_secret(
    session: AsyncSession,
    proposal: Proposal,
    entry: ElectorateEntry,
    actor: Member,
    stored: dict[str, object],
    reason: str,
    receipt: str,
    now: datetime,
) -> None:
    if not proposal.slot_key:
        raise Conflict(
            N_("Voting is not open on this proposal (it is %(status)s)."),
            code="voting_closed",
            status=proposal.status.value,
        )
    records = VoterRecord.__table__
    insert = dialect_insert(session, records)
    result = await session.execute(
        insert.values(
            proposal_id=proposal.id, voter_id=entry.member_id, cast_by_id=actor.id, cast_at=now
        ).on_conflict_do_update(
            index_elements=["proposal_id", "voter_id"],
            set_={"cast_by_id": insert.excluded.cast_by_id, "cast_at": insert.excluded.cast_at},
            where=or_(
                insert.excluded.cast_by_id == insert.excluded.voter_id,
                records.c.cast_by_id != records.c.voter_id,
            ),
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise _refused_override()
    sealed = SecretBallot.__table__
    insert_ballot = dialect_insert(session, sealed)
    await session.execute(
        insert_ballot.values(
            id=secrets.token_hex(16),
            proposal_id=proposal.id,
            slot=slot_for(proposal.slot_key, entry.member_id),
            class_key=entry.class_key,
            weight=entry.weight,
            choice=stored,
            reason=reason,
            receipt_digest=token.digest(receipt),
            via_proxy=actor.id != entry.member_id,
        ).on_conflict_do_update(
            index_elements=["proposal_id", "slot"],
            set_={
                "choice": insert_ballot.excluded.choice,
                "reason": insert_ballot.excluded.reason,
                "receipt_digest": insert_ballot.excluded.receipt_digest,
                "via_proxy": insert_ballot.excluded.via_proxy,
            },
        )
    )


@dataclass(frozen=True)
class ReceiptCheck:
    found: bool
    choice: dict[str, object] | None = None


async def check_receipt(session: AsyncSession, proposal_id: int, receipt: str) -> ReceiptCheck:
    """Is the ballot with this receipt in the count? (A changed ballot gets a new receipt.)"""
    digest = token.digest(receipt.strip())
    stored = await session.scalar(
        select(RollCallBallot.choice).where(
            RollCallBallot.proposal_id == proposal_id, RollCallBallot.receipt_digest == digest
        )
    )
    if stored is None:
        stored = await session.scalar(
            select(SecretBallot.choice).where(
                SecretBallot.proposal_id == proposal_id, SecretBallot.receipt_digest == digest
            )
        )
    return ReceiptCheck(stored is not None, dict(stored) if stored is not None else None)


async def has_voted(session: AsyncSession, proposal: Proposal, member_id: int) -> bool:
    model = VoterRecord if proposal.rules.get("secret") else RollCallBallot
    found = await session.scalar(
        select(model.id).where(model.proposal_id == proposal.id, model.voter_id == member_id)
    )
    return found is not None


async def own_roll_call_ballot(
    session: AsyncSession, proposal_id: int, voter_id: int
) -> RollCallBallot | None:
    return await session.scalar(
        select(RollCallBallot).where(
            RollCallBallot.proposal_id == proposal_id, RollCallBallot.voter_id == voter_id
        )
    )
