"""The account tree: open and close accounts, the default chart, per-member accounts.

Names are colon-separated paths under five roots (``Assets``, ``Liabilities``, ``Equity``,
``Income``, ``Expenses``) in Beancount's syntax, so an export needs no renaming. Every account's
parent is opened before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.errors import Conflict, InvalidInput
from governance.i18n import N_
from governance.ledger import commodity
from governance.ledger.errors import ClosedAccount, NonZeroBalance, UnknownAccount
from governance.ledger.model import Account, AccountType, Posting, Purpose

COMPONENT_RE = re.compile(r"^[A-Z0-9][A-Za-z0-9-]{0,40}$")


@dataclass(frozen=True)
class ChartEntry:
    name: str
    purpose: Purpose
    description: str


# The chart every instance starts with (members and partners get theirs when first needed).
DEFAULT_CHART: tuple[ChartEntry, ...] = (
    ChartEntry("Assets", Purpose.GROUP, N_("What the co-op owns")),
    ChartEntry("Assets:Bank", Purpose.BANK, N_("Bank account")),
    ChartEntry("Assets:Receivable", Purpose.GROUP, N_("Owed to the co-op")),
    ChartEntry("Assets:Receivable:Partners", Purpose.GROUP, N_("Owed by partner co-ops")),
    ChartEntry("Liabilities", Purpose.GROUP, N_("What the co-op owes")),
    ChartEntry("Liabilities:Payable", Purpose.GROUP, N_("Owed by the co-op")),
    ChartEntry("Liabilities:Payable:Members", Purpose.GROUP, N_("Owed to members")),
    ChartEntry("Liabilities:Payable:Partners", Purpose.GROUP, N_("Owed to partner co-ops")),
    ChartEntry("Equity", Purpose.GROUP, N_("What the members own together")),
    ChartEntry("Equity:ShareCapital", Purpose.GROUP, N_("Share capital, per member")),
    ChartEntry("Equity:CapitalAccounts", Purpose.GROUP, N_("Internal capital accounts, per member")),
    ChartEntry("Equity:Reserves", Purpose.GROUP, N_("Reserves")),
    ChartEntry("Equity:Reserves:Legal", Purpose.LEGAL_RESERVE, N_("Legal reserve")),
    ChartEntry("Equity:Reserves:Indivisible", Purpose.INDIVISIBLE_RESERVE, N_("Indivisible reserve")),
    ChartEntry("Equity:RetainedEarnings", Purpose.RETAINED, N_("Surplus not yet allocated")),
    ChartEntry("Equity:Opening", Purpose.OPENING, N_("Opening balances")),
    ChartEntry("Equity:ShareRegister", Purpose.GROUP, N_("Shares held, counted in SHARES")),
    ChartEntry("Equity:ShareRegister:Issued", Purpose.SHARES_ISSUED, N_("Shares issued")),
    ChartEntry("Income", Purpose.GROUP, N_("Revenue")),
    ChartEntry("Income:Sales", Purpose.REVENUE, N_("Sales and services")),
    ChartEntry("Income:Other", Purpose.REVENUE, N_("Other revenue")),
    ChartEntry("Expenses", Purpose.GROUP, N_("Expenses")),
    ChartEntry("Expenses:Wages", Purpose.EXPENSE, N_("Wages")),
    ChartEntry("Expenses:General", Purpose.EXPENSE, N_("General expenses")),
)

# Per member: (parent, purpose, description); the account is ``parent:M<id>``.
MEMBER_ACCOUNTS: tuple[tuple[str, Purpose, str], ...] = (
    ("Equity:ShareCapital", Purpose.SHARE_CAPITAL, N_("Share capital")),
    ("Equity:CapitalAccounts", Purpose.CAPITAL_ACCOUNT, N_("Capital account")),
    ("Equity:ShareRegister", Purpose.SHARE_HOLDINGS, N_("Shares held")),
    ("Liabilities:Payable:Members", Purpose.PAYABLE, N_("Owed to the member")),
)


SHIPPED = {entry.name: entry.description for entry in DEFAULT_CHART}
SHIPPED_MEMBER = {parent: description for parent, _, description in MEMBER_ACCOUNTS}


def shipped_description(name: str, description: str) -> str | None:
    """The English description the default chart (or a member account) ships for ``name``,
    if the account still has it, so pages can show its translation (``gettext`` by this
    text); None for custom accounts or edited descriptions, which are shown as stored."""
    shipped = SHIPPED.get(name) or SHIPPED_MEMBER.get(name.rsplit(":", 1)[0])
    return shipped if shipped is not None and shipped == description else None


def check_name(name: str) -> tuple[AccountType, str | None]:
    """The account's type and its parent's name; refuses names Beancount would refuse."""
    parts = name.split(":")
    try:
        root = AccountType(parts[0])
    except ValueError:
        root = None
    if root is None or len(name) > 200 or not all(COMPONENT_RE.match(p) for p in parts[1:]):
        raise InvalidInput(
            N_(
                "'%(account)s' is not an account name: start with Assets, Liabilities, Equity, "
                "Income or Expenses and add parts such as :Bank, separated by colons (letters, "
                "digits and -, each starting with a capital or a digit)."
            ),
            code="ledger_bad_account_name",
            account=name,
        )
    return root, ":".join(parts[:-1]) or None


async def by_name(session: AsyncSession, name: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.name == name))


async def require(session: AsyncSession, name: str) -> Account:
    found = await by_name(session, name)
    if found is None:
        raise UnknownAccount(name)
    return found


async def require_open(session: AsyncSession, name: str) -> Account:
    found = await require(session, name)
    if not found.is_open:
        raise ClosedAccount(name)
    return found


async def open_account(
    session: AsyncSession,
    name: str,
    *,
    purpose: Purpose = Purpose.OTHER,
    description: str = "",
    member_id: int | None = None,
    partner: str | None = None,
    now: datetime,
) -> Account:
    """Open ``name`` under its (open) parent; opening an existing open account is a no-op."""
    kind, parent_name = check_name(name)
    found = await by_name(session, name)
    if found is not None:
        if not found.is_open:
            raise ClosedAccount(name)
        return found
    parent = await require_open(session, parent_name) if parent_name else None
    row = Account(
        name=name,
        type=kind,
        purpose=purpose,
        parent_id=parent.id if parent else None,
        member_id=member_id,
        partner=partner,
        description=description[:200],
        opened_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def close_account(session: AsyncSession, name: str, *, now: datetime) -> Account:
    """Close an account whose balance is zero in every commodity and whose children are closed."""
    from governance.ledger import balance, journal  # they use accounts: import here

    await journal.lock_head(session)  # no posting may slip in while the balance is checked
    found = await require_open(session, name)
    children = await session.scalar(
        select(Account.id).where(Account.parent_id == found.id, Account.closed_at.is_(None))
    )
    if children is not None:
        raise Conflict(
            N_("Close the accounts under '%(account)s' first."),
            code="ledger_account_has_children",
            account=name,
        )
    for code, amount in (await balance.of_account(session, found.id)).items():
        if amount != 0:
            raise NonZeroBalance(name, f"{commodity.plain(amount)} {code}")
    found.closed_at = now
    journal.write_state(session).accounts.pop(name, None)
    await session.flush()
    return found


async def ensure_chart(session: AsyncSession, currency: str, *, now: datetime) -> None:
    """Declare the currency, SHARES and HOURS and open the default chart (idempotent)."""
    await commodity.declare(session, currency, 2, name=currency, now=now)
    await commodity.declare(session, commodity.SHARES, 0, name="Shares", now=now)
    await commodity.declare(session, commodity.HOURS, 2, name="Hours worked", now=now)
    existing = set((await session.scalars(select(Account.name))).all())
    for entry in DEFAULT_CHART:
        if entry.name not in existing:
            await open_account(
                session, entry.name, purpose=entry.purpose, description=entry.description, now=now
            )


def member_account_name(parent: str, member_id: int) -> str:
    return f"{parent}:M{member_id}"


async def ensure_member_accounts(
    session: AsyncSession, member_id: int, *, now: datetime
) -> dict[Purpose, Account]:
    """The member's share capital, capital account, holdings and payable accounts."""
    found: dict[Purpose, Account] = {}
    for parent, purpose, description in MEMBER_ACCOUNTS:
        found[purpose] = await open_account(
            session,
            member_account_name(parent, member_id),
            purpose=purpose,
            description=description,
            member_id=member_id,
            now=now,
        )
    return found


async def member_account(session: AsyncSession, member_id: int, purpose: Purpose) -> Account:
    found = await session.scalar(
        select(Account).where(Account.member_id == member_id, Account.purpose == purpose)
    )
    if found is None:
        raise UnknownAccount(member_account_name(_parent_of(purpose), member_id))
    return found


def _parent_of(purpose: Purpose) -> str:
    return next(p for p, pur, _ in MEMBER_ACCOUNTS if pur is purpose)


async def ensure_partner_accounts(
    session: AsyncSession, partner: str, component: str, *, now: datetime
) -> tuple[Account, Account]:
    """A partner co-op's receivable and payable accounts (``component`` names it, e.g. Acme)."""
    receivable = await open_account(
        session,
        f"Assets:Receivable:Partners:{component}",
        purpose=Purpose.RECEIVABLE,
        description=partner,
        partner=partner,
        now=now,
    )
    payable = await open_account(
        session,
        f"Liabilities:Payable:Partners:{component}",
        purpose=Purpose.PAYABLE,
        description=partner,
        partner=partner,
        now=now,
    )
    return receivable, payable


async def list_all(session: AsyncSession) -> list[Account]:
    return list((await session.scalars(select(Account).order_by(Account.name))).all())


async def posted_to(session: AsyncSession, account_id: int) -> bool:
    return (
        await session.scalar(select(Posting.id).where(Posting.account_id == account_id).limit(1))
    ) is not None
