"""Closing a period: a sealed record of every balance at its last day, itself a leaf of the log.

The close is a transaction of kind ``period_close`` with no postings; its ``data`` holds
``{"period_end": "YYYY-MM-DD", "balances": [{"account", "commodity", "amount"}, ...]}``, the
balance of every account (own postings only) over transactions dated on or before that day.
After a close nothing more can be dated inside the period (``ledger_period_closed``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.errors import InvalidInput
from governance.i18n import N_
from governance.ledger import balance, journal
from governance.ledger.commodity import plain
from governance.ledger.draft import Draft
from governance.ledger.model import Account, Transaction, TxKind


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


async def closes(session: AsyncSession) -> list[Transaction]:
    rows = await session.scalars(
        select(Transaction).where(Transaction.kind == TxKind.PERIOD_CLOSE).order_by(Transaction.seq)
    )
    return list(rows.all())
