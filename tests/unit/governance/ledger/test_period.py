"""Closing a period: the closing entry moves the result to retained earnings (every commodity),
is refused twice for the same day and cannot be reversed; a period with no result posts none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from governance.errors import GovernanceError
from governance.ledger import balance, journal, period
from governance.ledger.model import TxKind
from tests.unit.governance.ledger.conftest import DAY, Books, record, snapshot

END = DAY - timedelta(days=1)


async def test_close__moves_income_and_expenses_to_retained_earnings_then_seals(
    books: Books,
) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "500.00"), ("Income:Sales", "EUR", "-500.00")],
                 day=END - timedelta(days=2))
    await record(books.ctx, [("Expenses:General", "EUR", "120.25"),
                             ("Assets:Bank", "EUR", "-120.25")], day=END)
    await record(books.ctx, [("Assets:Bank", "HOURS", "3"), ("Income:Other", "HOURS", "-3")],
                 day=END)
    async with books.ctx.session() as db:
        seal = await period.close(db, END, by=None, now=books.ctx.clock.now())
        await db.commit()
        closing = await period.result_of(db, END)
        assert closing is not None
        lines = (await journal.postings_of(db, [closing.id]))[closing.id]
        sheet = await balance.balance_sheet(db, "EUR")

    assert (closing.kind, closing.date, closing.seq + 1) == (TxKind.RESULT_CLOSE, END, seal.seq)
    assert closing.data == {"period_end": END.isoformat(),
                            "result": {"EUR": "379.75", "HOURS": "3"}}
    assert [(x.account, x.commodity, x.amount) for x in lines] == [
        ("Expenses:General", "EUR", Decimal("-120.25")),
        ("Income:Other", "HOURS", Decimal("3")),
        ("Income:Sales", "EUR", Decimal("500.00")),
        ("Equity:RetainedEarnings", "EUR", Decimal("-379.75")),
        ("Equity:RetainedEarnings", "HOURS", Decimal("-3")),
    ]
    assert (sheet.income, sheet.expenses, sheet.retained) == (0, 0, Decimal("379.75"))
    assert sheet.assets == sheet.liabilities + sheet.equity
    # The seal records the income and expense accounts at zero: only retained earnings remain.
    sealed = {(b["account"], b["commodity"]) for b in seal.data["balances"]}
    assert ("Equity:RetainedEarnings", "EUR") in sealed and ("Income:Sales", "EUR") not in sealed


async def test_close_result__twice_for_the_same_period_is_refused(books: Books) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "10"), ("Income:Sales", "EUR", "-10")],
                 day=END)
    async with books.ctx.session() as db:
        await period.close_result(db, END, by=None, now=books.ctx.clock.now())
        await db.commit()
    before = await snapshot(books.ctx)
    with pytest.raises(GovernanceError) as caught:
        async with books.ctx.session() as db:
            await period.close_result(db, END, by=None, now=books.ctx.clock.now())
    assert caught.value.code == "ledger_result_already_closed"
    assert await snapshot(books.ctx) == before


async def test_close__the_closing_entry_cannot_be_reversed(books: Books) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "10"), ("Income:Sales", "EUR", "-10")],
                 day=END)
    async with books.ctx.session() as db:
        await period.close(db, END, by=None, now=books.ctx.clock.now())
        await db.commit()
        closing = await period.result_of(db, END)
        assert closing is not None
        with pytest.raises(GovernanceError) as caught:
            await journal.reverse(db, closing.seq, by=None, now=books.ctx.clock.now())
    assert caught.value.code == "ledger_not_reversible"


async def test_close__with_no_income_or_expense_posts_no_closing_entry(books: Books) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "10"), ("Equity:Opening", "EUR", "-10")],
                 day=END)
    async with books.ctx.session() as db:
        seal = await period.close(db, END, by=None, now=books.ctx.clock.now())
        await db.commit()
        assert await period.result_of(db, END) is None
        assert await journal.size(db) == seal.seq + 1 == 2
