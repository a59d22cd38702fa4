"""Recording transactions: every invariant refused with its own code, books unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from coopfed.context import AppContext
from governance.errors import GovernanceError
from governance.ledger import account, balance, journal, period
from governance.ledger import draft as drafts
from governance.ledger.model import TxKind
from tests.unit.governance.ledger.conftest import DAY, Books, record, snapshot


async def test_record__balanced_transaction_is_appended_as_leaf_zero(books: Books) -> None:
    tx = await record(books.ctx, [("Assets:Bank", "EUR", "1200.50"),
                                  ("Income:Sales", "EUR", "-1200.50")], description="Invoice 1")
    assert (tx.seq, tx.kind) == (0, TxKind.ENTRY)
    assert len(tx.leaf_hash) == 64
    async with books.ctx.session() as db:
        trial = await balance.trial_balance(db)
        assert await journal.size(db) == 1
    by_name = {line.name: line for line in trial.lines}
    assert by_name["Assets:Bank"].own == {"EUR": Decimal("1200.50")}
    assert by_name["Assets"].total == {"EUR": Decimal("1200.50")}
    assert by_name["Income"].total == {"EUR": Decimal("-1200.50")}
    assert trial.balanced


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        ([("Assets:Bank", "EUR", "10"), ("Income:Sales", "EUR", "-9.99")], "ledger_unbalanced"),
        ([("Assets:Bank", "EUR", "0")], "ledger_single_posting"),
        ([("Assets:Nowhere", "EUR", "10"), ("Income:Sales", "EUR", "-10")],
         "ledger_unknown_account"),
        ([("Assets:Bank", "XYZ", "10"), ("Income:Sales", "XYZ", "-10")],
         "ledger_undeclared_commodity"),
        ([("Assets:Bank", "EUR", "10.001"), ("Income:Sales", "EUR", "-10.001")],
         "ledger_too_many_decimals"),
        ([("Equity:ShareRegister:M{ada}", "SHARES", "-1"),
          ("Equity:ShareRegister:Issued", "SHARES", "1")], "ledger_negative_holdings"),
        ([("Assets:Bank", "SHARES", "0.5"), ("Income:Sales", "SHARES", "-0.5")],
         "ledger_too_many_decimals"),
    ],
    ids=["unbalanced", "single-posting", "unknown-account", "undeclared-commodity",
         "too-many-decimals", "holdings-below-zero", "fractional-share"],
)
async def test_record__invariant_is_refused_with_its_code_and_books_unchanged(
    books: Books, postings: list[tuple[str, str, str]], code: str
) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "5"), ("Income:Sales", "EUR", "-5")])
    before = await snapshot(books.ctx)
    filled = [(a.format(ada=books.ada.id), c, amt) for a, c, amt in postings]
    with pytest.raises(GovernanceError) as caught:
        await record(books.ctx, filled)
    assert caught.value.code == code
    assert await snapshot(books.ctx) == before


async def test_record__closed_account_is_refused(books: Books) -> None:
    async with books.ctx.session() as db:
        await account.open_account(db, "Expenses:Travel", now=books.ctx.clock.now())
        await account.close_account(db, "Expenses:Travel", now=books.ctx.clock.now())
        await db.commit()
    before = await snapshot(books.ctx)
    with pytest.raises(GovernanceError) as caught:
        await record(books.ctx, [("Expenses:Travel", "EUR", "5"), ("Assets:Bank", "EUR", "-5")])
    assert caught.value.code == "ledger_closed_account"
    assert await snapshot(books.ctx) == before


async def test_close_account__with_a_balance_is_refused(books: Books) -> None:
    async with books.ctx.session() as db:
        await account.open_account(db, "Expenses:Travel", now=books.ctx.clock.now())
        await db.commit()
    await record(books.ctx, [("Expenses:Travel", "EUR", "5"), ("Assets:Bank", "EUR", "-5")])
    before = await snapshot(books.ctx)
    async with books.ctx.session() as db:
        with pytest.raises(GovernanceError) as caught:
            await account.close_account(db, "Expenses:Travel", now=books.ctx.clock.now())
        await db.rollback()
    assert caught.value.code == "ledger_account_not_zero"
    assert await snapshot(books.ctx) == before


async def test_reverse__negates_every_posting_and_links_to_the_original(books: Books) -> None:
    first = await record(books.ctx, [("Expenses:General", "EUR", "80"),
                                     ("Assets:Bank", "EUR", "-80")])
    async with books.ctx.session() as db:
        undo = await journal.reverse(db, first.seq, by=books.treasurer.id,
                                     now=books.ctx.clock.now())
        await db.commit()
    assert (undo.seq, undo.kind, undo.reverses_id) == (1, TxKind.REVERSAL, first.id)
    async with books.ctx.session() as db:
        trial = await balance.trial_balance(db)
        assert {x.name: x.own for x in trial.lines}["Assets:Bank"] == {}
        with pytest.raises(GovernanceError) as caught:
            await journal.reverse(db, first.seq, by=None, now=books.ctx.clock.now())
        assert caught.value.code == "ledger_already_reversed"


async def test_period_close__seals_balances_and_refuses_entries_dated_inside(
    books: Books,
) -> None:
    await record(books.ctx, [("Assets:Bank", "EUR", "100"), ("Income:Sales", "EUR", "-100")],
                 day=DAY - timedelta(days=3))
    async with books.ctx.session() as db:
        closed = await period.close(db, DAY - timedelta(days=1), by=None,
                                    now=books.ctx.clock.now())
        await db.commit()
    assert closed.kind is TxKind.PERIOD_CLOSE
    assert {"account": "Assets:Bank", "commodity": "EUR", "amount": "100"} in closed.data[
        "balances"]
    before = await snapshot(books.ctx)
    with pytest.raises(GovernanceError) as caught:
        await record(books.ctx, [("Assets:Bank", "EUR", "1"), ("Income:Sales", "EUR", "-1")],
                     day=DAY - timedelta(days=2))
    assert caught.value.code == "ledger_period_closed"
    assert await snapshot(books.ctx) == before
    await record(books.ctx, [("Assets:Bank", "EUR", "1"), ("Income:Sales", "EUR", "-1")])


def test_draft__refuses_floats_and_bad_dates() -> None:
    with pytest.raises(GovernanceError) as caught:
        drafts.make(date(2026, 1, 1), "x", [("Assets:Bank", "EUR", 1.5)])
    assert caught.value.code == "ledger_bad_amount"
    with pytest.raises(GovernanceError) as caught:
        drafts.make("31/01/2026", "x", [])
    assert caught.value.code == "ledger_bad_transaction"


async def test_account_names__must_be_beancount_paths(books: Books, ctx: AppContext) -> None:
    async with ctx.session() as db:
        for bad in ("Bank", "Assets:bank", "Assets::Bank", "Revenue:Sales"):
            with pytest.raises(GovernanceError) as caught:
                await account.open_account(db, bad, now=ctx.clock.now())
            assert caught.value.code == "ledger_bad_account_name"


async def test_record_many__counts_earlier_drafts_of_the_batch_and_is_all_or_nothing(
    books: Books,
) -> None:
    mine = f"Equity:ShareRegister:M{books.ada.id}"
    give = drafts.make(DAY, "Two shares", [(mine, "SHARES", "2"),
                                           ("Equity:ShareRegister:Issued", "SHARES", "-2")])
    take = drafts.make(DAY, "Back", [(mine, "SHARES", "-2"),
                                     ("Equity:ShareRegister:Issued", "SHARES", "2")])
    async with books.ctx.session() as db:
        assert await journal.record_many(db, [give, take], by=None,
                                         now=books.ctx.clock.now()) == [0, 1]
        await db.commit()
    before = await snapshot(books.ctx)
    async with books.ctx.session() as db:
        with pytest.raises(GovernanceError) as caught:
            await journal.record_many(db, [give, take, take], by=None, now=books.ctx.clock.now())
        await db.rollback()
    assert caught.value.code == "ledger_negative_holdings"
    assert await snapshot(books.ctx) == before
    async with books.ctx.session() as db:
        from governance.ledger import verify

        assert (await verify.verify(db)).ok
