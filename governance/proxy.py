"""Proxies: a member gives one proposal's vote, or a standing proxy, to another member.

Rules: the holder must be an admitted member (and, for an open proposal, in its electorate);
the proposal's kind must allow proxies; a holder votes for at most the kind's
``max_proxies_per_holder`` givers (the earliest proxies count first); a proxy for one proposal
beats a standing one; proxies are not transitive; the giver's own ballot always overrides the
holder's ballot for them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit
from governance import member as members
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, Forbidden, InvalidInput, NotFound
from governance.i18n import N_
from governance.member import Member, Status
from governance.proposal.model import ElectorateEntry, Proposal, ProposalStatus


class Proxy(Base):
    __tablename__ = "proxies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


async def _in_electorate(session: AsyncSession, proposal_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(ElectorateEntry.id).where(
            ElectorateEntry.proposal_id == proposal_id, ElectorateEntry.member_id == member_id
        )
    )
    return found is not None


async def active_for_giver(session: AsyncSession, giver_id: int, proposal_id: int) -> Proxy | None:
    """The proxy that speaks for ``giver_id`` on this proposal: specific first, else standing."""
    rows = await session.scalars(
        select(Proxy)
        .where(
            Proxy.giver_id == giver_id,
            Proxy.revoked_at.is_(None),
            (Proxy.proposal_id == proposal_id) | Proxy.proposal_id.is_(None),
        )
        .order_by(Proxy.proposal_id.is_(None), Proxy.id)
    )
    return rows.first()


async def givers_for(session: AsyncSession, holder_id: int, proposal: Proposal) -> list[int]:
    """Members ``holder_id`` may vote for on ``proposal``, within the bylaws' limit."""
    rules = proposal.rules
    if not rules.get("proxies_allowed") or proposal.status is not ProposalStatus.OPEN:
        return []
    rows = await session.scalars(
        select(Proxy)
        .where(
            Proxy.holder_id == holder_id,
            Proxy.revoked_at.is_(None),
            (Proxy.proposal_id == proposal.id) | Proxy.proposal_id.is_(None),
        )
        .order_by(Proxy.id)
    )
    givers: list[int] = []
    for proxy in rows:
        current = await active_for_giver(session, proxy.giver_id, proposal.id)
        if current is None or current.id != proxy.id or proxy.giver_id in givers:
            continue
        if not await _in_electorate(session, proposal.id, proxy.giver_id):
            continue
        givers.append(proxy.giver_id)
    return givers[: int(rules.get("max_proxies_per_holder", 0))]


async def give(
    session: AsyncSession,
    giver: Member,
    holder_id: int,
    *,
    proposal: Proposal | None,
    now: datetime,
) -> Proxy:
    """Give a proxy (replacing the giver's earlier one for the same scope)."""
    if giver.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members can give a proxy."), code="not_member")
    if holder_id == giver.id:
        raise InvalidInput(N_("You cannot give a proxy to yourself."), code="proxy_to_self")
    holder = await members.get(session, holder_id)
    if holder.status is not Status.MEMBER:
        raise InvalidInput(
            N_("%(name)s is not an admitted member and cannot hold a proxy."),
            code="holder_not_member",
            name=holder.display_name,
        )
    if proposal is not None:
        if proposal.status not in (ProposalStatus.SCHEDULED, ProposalStatus.OPEN):
            raise Conflict(
                N_("Proxies can only be given for a scheduled or open proposal."),
                code="proposal_not_open",
            )
        if not proposal.rules.get("proxies_allowed"):
            raise Forbidden(
                N_("The bylaws do not allow proxies for this kind of proposal."),
                code="proxies_not_allowed",
            )
        if proposal.status is ProposalStatus.OPEN:
            if not await _in_electorate(session, proposal.id, holder.id):
                raise InvalidInput(
                    N_("%(name)s may not vote on this proposal, so cannot hold a proxy for it."),
                    code="holder_not_eligible",
                    name=holder.display_name,
                )
            if not await _in_electorate(session, proposal.id, giver.id):
                raise Forbidden(
                    N_("You may not vote on this proposal, so you cannot give a proxy for it."),
                    code="not_eligible",
                )
        limit = int(proposal.rules.get("max_proxies_per_holder", 0))
        held = await session.scalars(
            select(Proxy.giver_id).where(
                Proxy.holder_id == holder.id,
                Proxy.revoked_at.is_(None),
                Proxy.proposal_id == proposal.id,
                Proxy.giver_id != giver.id,
            )
        )
        if len(set(held.all())) >= limit:
            raise Conflict(
                N_("%(name)s already holds the most proxies the bylaws allow (%(limit)s)."),
                code="proxy_limit",
                name=holder.display_name,
                limit=limit,
            )
    scope = proposal.id if proposal is not None else None
    earlier = await session.scalars(
        select(Proxy).where(
            Proxy.giver_id == giver.id,
            Proxy.revoked_at.is_(None),
            Proxy.proposal_id.is_(None) if scope is None else Proxy.proposal_id == scope,
        )
    )
    for old in earlier:
        old.revoked_at = now
    proxy = Proxy(giver_id=giver.id, holder_id=holder.id, proposal_id=scope, created_at=now)
    session.add(proxy)
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=giver.id,
        action="proxy.give",
        target=f"member:{holder.id}",
        details={"proposal": scope},
    )
    return proxy


async def revoke(session: AsyncSession, giver: Member, proxy_id: int, *, now: datetime) -> None:
    proxy = await session.get(Proxy, proxy_id)
    if proxy is None or proxy.giver_id != giver.id or proxy.revoked_at is not None:
        raise NotFound(N_("You have no active proxy with id %(id)s."), id=proxy_id)
    proxy.revoked_at = now
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=giver.id,
        action="proxy.revoke",
        target=f"member:{proxy.holder_id}",
        details={"proposal": proxy.proposal_id},
    )


async def given_by(session: AsyncSession, giver_id: int) -> list[Proxy]:
    rows = await session.scalars(
        select(Proxy)
        .where(Proxy.giver_id == giver_id, Proxy.revoked_at.is_(None))
        .order_by(Proxy.id)
    )
    return list(rows.all())


async def held_by(session: AsyncSession, holder_id: int) -> list[Proxy]:
    rows = await session.scalars(
        select(Proxy)
        .where(Proxy.holder_id == holder_id, Proxy.revoked_at.is_(None))
        .order_by(Proxy.id)
    )
    return list(rows.all())
