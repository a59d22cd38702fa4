"""Posting an allocation to the books: one balanced transaction of kind ``allocation``.

The transaction debits the retained surplus (``Equity:RetainedEarnings``) by the whole surplus
and credits the legal and indivisible reserves, each member's payable account (cash) and each
member's internal capital account (credit), with the amounts of
:meth:`~governance.ledger.allocation.Allocation.balanced_lines`. It goes through
:func:`governance.ledger.journal.record`, so every invariant of the books is checked first and
a refusal writes nothing. Members' payable and capital accounts are opened if they do not exist
yet. The surplus must not exceed the undistributed retained earnings (the credit balance of
``Equity:RetainedEarnings``, which closing a period fills with its result):
:func:`retained_earnings` and ``allocation_exceeds_retained_earnings``. Unlike a transaction typed in by a treasurer, an allocation may have more than
``draft.MAX_POSTINGS`` postings (two per member).

This module uses the database; the rest of the package stays pure (it is not imported by
``governance.ledger.allocation`` itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.i18n import N_
from governance.ledger import account as accounts
from governance.ledger import balance, journal
from governance.ledger import commodity as commodities
from governance.ledger.allocation.errors import EXCEEDS_RETAINED, InvalidAllocation
from governance.ledger.allocation.result import Allocation, LineRole
from governance.ledger.draft import Draft, PostingDraft, check_description
from governance.ledger.model import Purpose, Transaction, TxKind
from governance.member import Member

PRECISION_MISMATCH = "allocation_precision_mismatch"
UNKNOWN_MEMBER = "allocation_unknown_member"

# The co-op's own accounts, by the purpose the default chart gives them.
SHARED_ROLES: dict[LineRole, Purpose] = {
    LineRole.RETAINED: Purpose.RETAINED,
    LineRole.LEGAL_RESERVE: Purpose.LEGAL_RESERVE,
    LineRole.INDIVISIBLE_RESERVE: Purpose.INDIVISIBLE_RESERVE,
}
# Each member's own accounts.
MEMBER_ROLES: dict[LineRole, Purpose] = {
    LineRole.PAYABLE: Purpose.PAYABLE,
    LineRole.CAPITAL_ACCOUNT: Purpose.CAPITAL_ACCOUNT,
}


def shared_account(role: LineRole) -> str:
    """The default chart's account for a co-op-level role (``Equity:Reserves:Legal`` …)."""
    purpose = SHARED_ROLES[role]
    return next(entry.name for entry in accounts.DEFAULT_CHART if entry.purpose is purpose)


def member_account(role: LineRole, member_id: int) -> str:
    """A member's account for a member-level role (``Liabilities:Payable:Members:M7`` …)."""
    purpose = MEMBER_ROLES[role]
    parent = next(parent for parent, found, _ in accounts.MEMBER_ACCOUNTS if found is purpose)
    return accounts.member_account_name(parent, member_id)


async def retained_earnings(session: AsyncSession, commodity: str) -> Decimal:
    """What is left to allocate: the credit balance of the retained earnings account."""
    found = await accounts.by_name(session, shared_account(LineRole.RETAINED))
    if found is None:
        return Decimal(0)
    return -await balance.of_account_in(session, found.id, commodity)


def to_draft(allocation: Allocation, *, commodity: str, day: date, description: str) -> Draft:
    """The allocation as a transaction draft in ``commodity`` (pure: no database)."""
    postings = tuple(
        PostingDraft(
            shared_account(line.role)
            if line.member_id is None
            else member_account(line.role, line.member_id),
            commodity,
            line.amount,
        )
        for line in allocation.balanced_lines()
    )
    return Draft(day=day, description=check_description(description), postings=postings)


def summary(allocation: Allocation) -> dict[str, Any]:
    """What the transaction's data records about the allocation (in the log leaf too)."""
    return {
        "allocation": {
            "legal_form": allocation.legal_form.value,
            "precision": allocation.precision,
            "surplus": format(allocation.surplus, "f"),
            "legal_reserve": format(allocation.legal_reserve, "f"),
            "indivisible_reserve": format(allocation.indivisible_reserve, "f"),
            "interest": format(allocation.interest, "f"),
            "patronage": format(allocation.patronage, "f"),
            "interest_limit": allocation.interest_limit.value,
            "members": len(allocation.members),
        }
    }


async def post(
    session: AsyncSession,
    allocation: Allocation,
    *,
    commodity: str,
    day: date,
    description: str,
    by: int | None,
    now: datetime,
    data: Mapping[str, Any] | None = None,
) -> Transaction:
    """Record ``allocation`` as one balanced transaction; the caller commits.

    Refuses a commodity that is undeclared or whose precision is not the allocation's, a
    member id with no member, a description that is empty or too long, and anything
    :func:`journal.record` refuses (a closed account, a closed period …). Nothing is kept
    from a refused call as long as the caller does not commit. ``data`` defaults to
    :func:`summary`.
    """
    code = commodities.check_code(commodity)
    declared = await commodities.require(session, code)
    if declared.precision != allocation.precision:
        raise InvalidAllocation(
            N_("The allocation was computed with %(precision)s decimals, but %(commodity)s "
               "has %(declared)s; compute it again with the commodity's precision."),
            code=PRECISION_MISMATCH,
            precision=allocation.precision,
            commodity=code,
            declared=declared.precision,
        )
    available = await retained_earnings(session, code)
    if allocation.surplus > available:
        raise InvalidAllocation(
            N_("The surplus to allocate (%(surplus)s %(commodity)s) exceeds the retained "
               "earnings not yet distributed (%(available)s %(commodity)s); close the year "
               "first so its result moves to retained earnings, or allocate less."),
            code=EXCEEDS_RETAINED,
            surplus=format(allocation.surplus, "f"),
            available=commodities.plain(available),
            commodity=code,
        )
    wanted = sorted({line.member_id for line in allocation.lines() if line.member_id is not None})
    found = set((await session.scalars(select(Member.id).where(Member.id.in_(wanted)))).all())
    missing = [member_id for member_id in wanted if member_id not in found]
    if missing:
        raise InvalidAllocation(
            N_("The allocation pays member %(member)s, who is not a member of this co-op."),
            code=UNKNOWN_MEMBER,
            member=missing[0],
        )
    draft = to_draft(allocation, commodity=code, day=day, description=description)
    # Opening accounts and recording happen in the caller's transaction: on any refusal the
    # caller does not commit, and neither the accounts nor the postings are kept.
    for member_id in wanted:
        await accounts.ensure_member_accounts(session, member_id, now=now)
    return await journal.record(
        session,
        draft,
        by=by,
        now=now,
        kind=TxKind.ALLOCATION,
        data=summary(allocation) if data is None else data,
    )
