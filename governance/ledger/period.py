"""Closing a period: the result moved to retained earnings, then every balance sealed.

Closing a period writes two leaves of the log, in one database transaction:

1. The **closing entry** (kind ``result_close``, dated the period's last day), the standard
   double-entry year-end step: every revenue (``Income``) and expense (``Expenses``) account's
   balance is moved to ``Equity:RetainedEarnings``, so those accounts start the next period at
   zero and the period's result (revenue less expenses) sits in retained earnings, where the
   surplus allocation draws from it. Its ``data`` is ``{"period_end": "YYYY-MM-DD", "result":
   {commodity: amount}}`` (a surplus is positive). It is left out when the period has no revenue
   or expense balance, and refused (``ledger_result_already_closed``) if one already exists for
   the same day.
2. The **seal**: the is a transaction of kind ``period_close`` with no postings; its ``data`` holds
``{"period_end": "YYYY-MM-DD", "balances": [{"account", "commodity", "amount"}, ...]}``, the
balance of every account (own postings only) over transactions dated on or before that day.
After a close nothing more can be dated inside the period (``ledger_period_closed``); neither
leaf can be reversed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.errors import Conflict, InvalidInput
from governance.i18n import N_
from governance.ledger import account as accounts
from governance.ledger import balance, journal
from governance.ledger.commodity import plain
from governance.ledger.draft import Draft, PostingDraft
from governance.ledger.model import Account, AccountType, Purpose, Transaction, TxKind

RESULT_ALREADY_CLOSED = "ledger_result_already_closed"
RESULT_TYPES = (AccountType.INCOME, AccountType.EXPENSES)


async def last_end(session: AsyncSession) -> date | None:
    """The last day of the latest closed period, if any."""
    data = await session.scalar(
        select(Transaction.data)
        .where(Transaction.kind == TxKind.PERIOD_CLOSE)
        .order_by(Transaction.seq.desc())
        .limit(1)
    )
    return None if data is None else date.fromisoformat(data["period_end"])


def sealed_balances(own: dict[int, balance.Amounts], names: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {"account": names[account_id], "commodity": code, "amount": plain(amount)}
        for account_id in sorted(own, key=lambda i: names[i])
        for code, amount in sorted(own[account_id].items())
        if amount != 0
    ]


async def close(session: AsyncSession, end: date, *, by: int | None, now: datetime) -> Transaction:
    """Seal the balances as of ``end`` (inclusive) into the log."""
    await journal.lock_head(session)
    previous = await last_end(session)
    if previous is not None and end <= previous:
        raise InvalidInput(
            N_("A period ending %(previous)s is already closed; choose a later day."),
            code="ledger_period_order",
            previous=previous.isoformat(),
        )
    if end > now.date():
        raise InvalidInput(
            N_("A period cannot be closed before its last day has passed."),
            code="ledger_period_order",
            previous=end.isoformat(),
        )
    await close_result(session, end, by=by, now=now)
    names = {i: n for i, n in (await session.execute(select(Account.id, Account.name))).all()}
    own = await balance.own_balances(session, until=end)
    return await journal.record(
        session,
        Draft(end, f"Period closed on {end.isoformat()}", ()),
        by=by,
        now=now,
        kind=TxKind.PERIOD_CLOSE,
        data={"period_end": end.isoformat(), "balances": sealed_balances(own, names)},
        allow_empty=True,
    )


def retained_account() -> str:
    return next(e.name for e in accounts.DEFAULT_CHART if e.purpose is Purpose.RETAINED)


def result_lines(
    own: dict[int, balance.Amounts], names: dict[int, str], types: dict[int, AccountType]
) -> tuple[PostingDraft, ...]:
    """The closing entry's postings: every revenue and expense balance negated (accounts by
    name), then per commodity one line to retained earnings that balances them."""
    lines: list[PostingDraft] = []
    totals: dict[str, Decimal] = {}
    for account_id in sorted(own, key=lambda i: names[i]):
        if types.get(account_id) not in RESULT_TYPES:
            continue
        for code, amount in sorted(own[account_id].items()):
            if amount != 0:
                lines.append(PostingDraft(names[account_id], code, -amount))
                totals[code] = totals.get(code, Decimal(0)) + amount
    retained = retained_account()
    lines += [PostingDraft(retained, code, total) for code, total in sorted(totals.items())]
    return tuple(lines)


async def result_of(session: AsyncSession, end: date) -> Transaction | None:
    """The closing entry of the period ending ``end``, if one was posted."""
    rows = await session.scalars(
        select(Transaction).where(Transaction.kind == TxKind.RESULT_CLOSE, Transaction.date == end)
    )
    return next((t for t in rows.all() if t.data.get("period_end") == end.isoformat()), None)


async def close_result(
    session: AsyncSession, end: date, *, by: int | None, now: datetime
) -> Transaction | None:
    """Post the closing entry of the period ending ``end`` (None when there is no revenue or
    expense balance to move). :func:`close` calls it; the caller commits."""
    await journal.lock_head(session)
    if await result_of(session, end) is not None:
        raise Conflict(
            N_("The result of the period ending %(end)s is already in retained earnings."),
            code=RESULT_ALREADY_CLOSED,
            end=end.isoformat(),
        )
    rows = (await session.execute(select(Account.id, Account.name, Account.type))).all()
    names = {i: n for i, n, _ in rows}
    types = {i: t for i, _, t in rows}
    own = await balance.own_balances(session, until=end)
    postings = result_lines(own, names, types)
    if not postings:
        return None
    result = {
        p.commodity: plain(-p.amount) for p in postings if p.account == retained_account()
    }
    return await journal.record(
        session,
        Draft(end, f"Result of the period ending {end.isoformat()} to retained earnings", postings),
        by=by,
        now=now,
        kind=TxKind.RESULT_CLOSE,
        data={"period_end": end.isoformat(), "result": result},
    )


async def result_closes(session: AsyncSession) -> list[Transaction]:
    rows = await session.scalars(
        select(Transaction).where(Transaction.kind == TxKind.RESULT_CLOSE).order_by(Transaction.seq)
    )
    return list(rows.all())


async def closes(session: AsyncSession) -> list[Transaction]:
    rows = await session.scalars(
        select(Transaction).where(Transaction.kind == TxKind.PERIOD_CLOSE).order_by(Transaction.seq)
    )
    return list(rows.all())
