"""Surplus allocation as a service: the policy from the bylaws, capital from the books, a
preview, a proposal that freezes the figures (treasurers and admins), and posting on pass.

Every function takes a session and plain values and never commits: the caller does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.bylaws import store as bylaws_store
from governance.bylaws.document import Effect, LedgerRules, ProposalKind
from governance.errors import InvalidInput
from governance.i18n import N_
from governance.ledger import access, balance, books, period, shares
from governance.ledger import commodity as commodities
from governance.ledger.allocation import (
    AllocationPreview,
    InvalidAllocation,
    InvalidPolicy,
    MemberBasis,
    parse_policy,
)
from governance.ledger.allocation import posting as allocation_posting
from governance.ledger.allocation.errors import BAD_AMOUNT, POLICY_MISSING
from governance.ledger.model import Account, AccountType, Transaction
from governance.ledger.surplus.inputs import (
    AllocationInputs,
    check_year,
    from_json,
    parse_amount,
    parse_member,
)
from governance.member import Member, Status
from governance.proposal import service as proposals
from governance.proposal.model import Proposal

NO_KIND = "no_allocation_kind"


@dataclass(frozen=True)
class MemberFigures:
    """What a treasurer enters for one member; ``capital`` None: read it from the books."""

    member_id: int
    hours: Decimal = Decimal(0)
    pay: Decimal = Decimal(0)
    capital: Decimal | None = None


async def policy(session: AsyncSession) -> dict[str, Any]:
    """The bylaws' allocation policy, checked and normalised; a clear refusal when absent."""
    rules = await books.rules(session)
    if not rules.allocation:
        raise InvalidPolicy(
            N_(
                "There is no allocation policy in the bylaws; amend them to add one (start "
                "from the fr_scop or us_worker_coop preset, or write a custom policy)."
            ),
            code=POLICY_MISSING,
        )
    return parse_policy(rules.allocation).to_json()


async def allocation_kind(session: AsyncSession) -> ProposalKind:
    """The bylaws' proposal kind that posts an allocation on pass."""
    bylaws = await bylaws_store.current(session)
    for kind in bylaws.kinds.values():
        if kind.effect is Effect.ALLOCATE_SURPLUS:
            return kind
    raise InvalidInput(
        N_(
            "The bylaws define no proposal kind with the allocate_surplus effect; amend them "
            "to add one before proposing an allocation."
        ),
        code=NO_KIND,
    )


async def share_capital(session: AsyncSession, member_id: int, currency: str) -> Decimal:
    """A member's share capital in the books (what interest on capital is paid on)."""
    return (await shares.holding(session, member_id, currency)).capital


async def year_surplus(session: AsyncSession, fiscal_year: int, currency: str) -> Decimal:
    """Income less expenses over transactions dated in ``fiscal_year`` (a starting figure)."""
    check_year(fiscal_year)
    types = dict((await session.execute(select(Account.id, Account.type))).all())
    end = await balance.own_balances(session, until=date(fiscal_year, 12, 31))
    start = await balance.own_balances(session, until=date(fiscal_year - 1, 12, 31))
    total = Decimal(0)
    for account_id, amounts in end.items():
        if types.get(account_id) in (AccountType.INCOME, AccountType.EXPENSES):
            total -= amounts.get(currency, Decimal(0))
            total += start.get(account_id, {}).get(currency, Decimal(0))
    return total


@dataclass(frozen=True)
class Suggestion:
    """The draft's starting surplus: the undistributed retained earnings once the year is
    closed (``year_closed``), else the year's result so far (close the year before posting)."""

    surplus: Decimal
    year_closed: bool


async def suggested_surplus(session: AsyncSession, fiscal_year: int, currency: str) -> Suggestion:
    year_end = date(check_year(fiscal_year), 12, 31)
    closed = await period.last_end(session)
    if closed is not None and closed >= year_end:
        return Suggestion(await allocation_posting.retained_earnings(session, currency), True)
    return Suggestion(await year_surplus(session, fiscal_year, currency), False)


async def admitted_members(session: AsyncSession) -> list[Member]:
    rows = await session.scalars(
        select(Member).where(Member.status == Status.MEMBER).order_by(Member.id)
    )
    return list(rows.all())


async def prepare(
    session: AsyncSession,
    *,
    fiscal_year: int,
    surplus: Decimal,
    members: Sequence[MemberFigures],
    now: datetime,
) -> AllocationInputs:
    """Freeze the inputs: the bylaws' policy, the currency and its precision, capital read
    from the books where not given. Refuses a missing or unlawful policy, an unknown member
    (``allocation_unknown_member``) and anything :func:`allocate` refuses."""
    frozen_policy = await policy(session)
    rules = await books.ensure_open(session, now=now)
    declared = await commodities.require(session, rules.currency)
    ids = [m.member_id for m in members]
    known = set((await session.scalars(select(Member.id).where(Member.id.in_(ids)))).all())
    for member_id in ids:
        if member_id not in known:
            raise InvalidAllocation(
                N_("Member %(member)s does not exist in this co-op."),
                code=allocation_posting.UNKNOWN_MEMBER,
                member=member_id,
            )
    bases = []
    for figures in members:
        capital = figures.capital
        if capital is None:
            capital = await share_capital(session, figures.member_id, rules.currency)
        bases.append(MemberBasis(figures.member_id, figures.hours, figures.pay, capital))
    inputs = AllocationInputs(
        fiscal_year=check_year(fiscal_year),
        surplus=surplus,
        commodity=rules.currency,
        precision=declared.precision,
        policy=frozen_policy,
        members=tuple(bases),
    )
    inputs.allocate()  # refuses bad figures now rather than at the vote's close
    return inputs


async def preview(
    session: AsyncSession,
    *,
    fiscal_year: int,
    surplus: Decimal,
    members: Sequence[MemberFigures],
    now: datetime,
) -> tuple[AllocationInputs, AllocationPreview]:
    inputs = await prepare(
        session, fiscal_year=fiscal_year, surplus=surplus, members=members, now=now
    )
    return inputs, inputs.allocate().preview()


def default_title(inputs: AllocationInputs) -> str:
    return f"Surplus allocation {inputs.fiscal_year}"


async def propose(
    session: AsyncSession,
    author: Member,
    inputs: AllocationInputs,
    *,
    title: str = "",
    body: str = "",
    now: datetime,
) -> Proposal:
    """A draft proposal of the bylaws' allocation kind carrying ``inputs`` (treasurers and
    admins); the author schedules it like any other proposal."""
    access.require_bookkeeper(author)
    kind = await allocation_kind(session)
    inputs.allocate()
    draft = proposals.Draft(
        kind=kind.key,
        title=title.strip() or default_title(inputs),
        body=body,
        payload=inputs.to_json(),
    )
    return await proposals.create(session, author, draft, now=now)


def inputs_of(proposal: Proposal) -> AllocationInputs | None:
    """The frozen inputs of an allocation proposal (None for other kinds)."""
    if proposal.rules.get("effect") != Effect.ALLOCATE_SURPLUS.value or proposal.payload is None:
        return None
    return from_json(proposal.payload)


async def enact(session: AsyncSession, proposal: Proposal, now: datetime) -> Transaction:
    """Post the proposal's allocation as one transaction dated on the day it passed.

    Raises (and writes nothing the caller keeps) when the frozen policy is no longer lawful,
    a member is gone, the commodity's precision changed, or the books refuse the posting.
    """
    inputs = from_json(proposal.payload)
    allocation = inputs.allocate()
    await books.ensure_open(session, now=now)
    data = {
        **allocation_posting.summary(allocation),
        "proposal_id": proposal.id,
        "fiscal_year": inputs.fiscal_year,
    }
    return await allocation_posting.post(
        session,
        allocation,
        commodity=inputs.commodity,
        day=now.date(),
        description=(
            f"Surplus allocation of fiscal year {inputs.fiscal_year} (proposal {proposal.id})"
        ),
        by=None,
        now=now,
        data=data,
    )


def parse_figures(raw: Sequence[object]) -> list[MemberFigures]:
    """Members' figures as the API and forms send them (amounts as text; capital optional)."""
    found = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidAllocation(
                N_("%(where)s must be an object with member_id, hours, pay and capital."),
                code=BAD_AMOUNT,
                where=f"members[{index}]",
            )
        capital = item.get("capital")
        basis = parse_member({k: v for k, v in item.items() if k != "capital"}, index)
        found.append(
            MemberFigures(
                basis.member_id,
                basis.hours,
                basis.pay,
                None
                if capital is None or capital == ""
                else parse_amount(capital, f"members[{index}].capital"),
            )
        )
    return found


def visible_preview(
    preview: AllocationPreview, viewer: Member, rules: LedgerRules
) -> AllocationPreview:
    """The preview as ``viewer`` may read it: every row, or only their own when the bylaws
    keep member details private (the totals are the co-op's and stay)."""
    rows = tuple(r for r in preview.rows if access.may_see_member(viewer, r.member_id, rules))
    return replace(preview, rows=rows)
