"""Balances and the reports built on them: trial balance, balance sheet, a member's history.

Balances are sums of postings (nothing is cached), so they are always what the rows say. A
parent's total includes its children.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.ledger.model import (
    Account,
    AccountType,
    Posting,
    Purpose,
    Transaction,
    TxKind,
)

Amounts = dict[str, Decimal]  # commodity code → amount


async def of_account(session: AsyncSession, account_id: int) -> Amounts:
    """The account's own balance (not its children's), per commodity."""
    rows = await session.execute(
        select(Posting.commodity, Posting.amount).where(Posting.account_id == account_id)
    )
    totals: Amounts = defaultdict(Decimal)
    for code, amount in rows:
        totals[code] += amount
    return dict(totals)


async def of_account_in(session: AsyncSession, account_id: int, code: str) -> Decimal:
    rows = await session.scalars(
        select(Posting.amount).where(Posting.account_id == account_id, Posting.commodity == code)
    )
    return sum(rows.all(), Decimal(0))


async def own_balances(session: AsyncSession, *, until: date | None = None) -> dict[int, Amounts]:
    """Every account's own balance per commodity (optionally up to a date, inclusive)."""
    query = select(Posting.account_id, Posting.commodity, Posting.amount)
    if until is not None:
        query = query.join(Transaction, Transaction.id == Posting.transaction_id).where(
            Transaction.date <= until
        )
    totals: dict[int, Amounts] = defaultdict(lambda: defaultdict(Decimal))
    # Summed in Python: SQLite keeps amounts as text, so SQL SUM would not be exact there.
    for account_id, code, amount in await session.execute(query):
        totals[account_id][code] += amount
    return {k: {c: a for c, a in v.items()} for k, v in totals.items()}


@dataclass(frozen=True)
class AccountLine:
    """One account of the tree with its own balance and the total of its subtree."""

    id: int
    name: str
    type: AccountType
    purpose: Purpose
    depth: int
    member_id: int | None
    description: str
    is_open: bool
    own: Amounts
    total: Amounts

    @property
    def leaf_name(self) -> str:
        return self.name.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class TrialBalance:
    lines: list[AccountLine]
    totals: Amounts = field(default_factory=dict)  # per commodity: always zero when balanced

    @property
    def balanced(self) -> bool:
        return all(v == 0 for v in self.totals.values())


def _clean(amounts: Amounts) -> Amounts:
    return {c: a for c, a in sorted(amounts.items()) if a != 0}


async def trial_balance(session: AsyncSession, *, until: date | None = None) -> TrialBalance:
    """Every account in tree order with its own balance and its subtree's total."""
    accounts = list((await session.scalars(select(Account).order_by(Account.name))).all())
    own = await own_balances(session, until=until)
    totals: dict[str, Amounts] = {a.name: defaultdict(Decimal) for a in accounts}
    grand: Amounts = defaultdict(Decimal)
    for a in accounts:
        for code, amount in own.get(a.id, {}).items():
            grand[code] += amount
            parts = a.name.split(":")
            for i in range(1, len(parts) + 1):
                prefix = ":".join(parts[:i])
                if prefix in totals:
                    totals[prefix][code] += amount
    lines = [
        AccountLine(
            id=a.id,
            name=a.name,
            type=a.type,
            purpose=a.purpose,
            depth=a.name.count(":"),
            member_id=a.member_id,
            description=a.description,
            is_open=a.is_open,
            own=_clean(own.get(a.id, {})),
            total=_clean(totals[a.name]),
        )
        for a in accounts
    ]
    return TrialBalance(lines=lines, totals={c: a for c, a in sorted(grand.items())})


@dataclass(frozen=True)
class BalanceSheet:
    """Totals by root, in the co-op's currency, signs flipped so amounts read as positive.

    ``assets == liabilities + equity + (income - expenses)``: ``surplus``, income less expenses,
    is the result not yet closed; closing a period moves it into ``retained`` (the balance of
    ``Equity:RetainedEarnings``, part of ``equity``), after which
    ``assets == liabilities + equity``.
    """

    currency: str
    assets: Decimal
    liabilities: Decimal
    equity: Decimal
    income: Decimal
    expenses: Decimal
    sections: dict[AccountType, list[AccountLine]]
    retained: Decimal = Decimal(0)  # retained earnings not yet distributed

    @property
    def surplus(self) -> Decimal:
        """The result not yet closed into retained earnings."""
        return self.income - self.expenses


async def balance_sheet(
    session: AsyncSession, currency: str, *, until: date | None = None
) -> BalanceSheet:
    trial = await trial_balance(session, until=until)
    by_root = {
        line.name: line.total.get(currency, Decimal(0)) for line in trial.lines if line.depth == 0
    }
    sections: dict[AccountType, list[AccountLine]] = {t: [] for t in AccountType}
    for line in trial.lines:
        if line.depth >= 1 and (line.total or line.is_open):
            sections[line.type].append(line)
    return BalanceSheet(
        currency=currency,
        assets=by_root.get(AccountType.ASSETS.value, Decimal(0)),
        liabilities=-by_root.get(AccountType.LIABILITIES.value, Decimal(0)),
        equity=-by_root.get(AccountType.EQUITY.value, Decimal(0)),
        income=-by_root.get(AccountType.INCOME.value, Decimal(0)),
        expenses=by_root.get(AccountType.EXPENSES.value, Decimal(0)),
        sections=sections,
        retained=-sum(
            (line.own.get(currency, Decimal(0)) for line in trial.lines
             if line.purpose is Purpose.RETAINED),
            Decimal(0),
        ),
    )


async def commodity_totals(session: AsyncSession) -> Amounts:
    """The sum of every posting per commodity: zero for each when the books balance."""
    totals: Amounts = defaultdict(Decimal)
    for code, amount in await session.execute(select(Posting.commodity, Posting.amount)):
        totals[code] += amount
    return dict(totals)


async def count_postings(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Posting.id))) or 0)


@dataclass(frozen=True)
class HistoryLine:
    seq: int
    day: date
    description: str
    commodity: str
    amount: Decimal
    running: Decimal
    fiscal_year: int | None = None  # an allocation's: the year whose surplus it distributes


def fiscal_year_of(kind: TxKind, data: dict[str, object] | None) -> int | None:
    """The fiscal year an allocation transaction distributes (None for other kinds)."""
    year = (data or {}).get("fiscal_year") if kind is TxKind.ALLOCATION else None
    return year if isinstance(year, int) else None


async def history(session: AsyncSession, account_id: int) -> list[HistoryLine]:
    """Every posting to one account in log order, with the running balance per commodity."""
    rows = await session.execute(
        select(
            Transaction.seq,
            Transaction.date,
            Transaction.description,
            Posting.commodity,
            Posting.amount,
            Transaction.kind,
            Transaction.data,
        )
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(Posting.account_id == account_id)
        .order_by(Transaction.seq, Posting.position)
    )
    running: Amounts = defaultdict(Decimal)
    lines = []
    for seq, day, description, code, amount, kind, data in rows:
        running[code] += amount
        lines.append(
            HistoryLine(
                seq, day, description, code, amount, running[code], fiscal_year_of(kind, data)
            )
        )
    return lines
