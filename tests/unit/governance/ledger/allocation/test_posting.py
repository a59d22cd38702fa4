"""Posting an allocation: one balanced transaction of kind allocation, or nothing at all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from governance.errors import GovernanceError
from governance.ledger import account, balance, journal, period
from governance.ledger.allocation import MemberBasis, allocate, parse_policy, posting, preset
from governance.ledger.allocation.result import Allocation, LineRole
from governance.ledger.model import Purpose, TxKind
from tests.unit.governance.ledger.conftest import DAY, Books, record, snapshot

D = Decimal


def scop_allocation(*member_ids: int, precision: int = 2) -> Allocation:
    raw = preset("fr_scop")
    raw["interest"]["rate"] = "0.02"
    members = [
        MemberBasis(member_ids[0], hours=D("1600"), pay=D("30000"), capital=D("1000")),
        MemberBasis(member_ids[1], hours=D("800"), pay=D("20000"), capital=D("500")),
        MemberBasis(member_ids[2], hours=D("1200"), pay=D("25000"), capital=D("1500")),
    ]
    return allocate(parse_policy(raw), D("10000.00"), members, precision)


async def retained(books: Books, amount: str = "10000.00") -> None:
    """A closed result waiting in retained earnings (an ordinary entry stands in for it)."""
    await record(books.ctx, [("Assets:Bank", "EUR", amount),
                             ("Equity:RetainedEarnings", "EUR", f"-{amount}")])


async def own(books: Books, name: str) -> Decimal:
    async with books.ctx.session() as db:
        found = await account.require(db, name)
        return (await balance.of_account(db, found.id)).get("EUR", D(0))


def test_accounts__roles_map_to_the_default_chart_and_member_accounts() -> None:
    assert posting.shared_account(LineRole.RETAINED) == "Equity:RetainedEarnings"
    assert posting.shared_account(LineRole.LEGAL_RESERVE) == "Equity:Reserves:Legal"
    assert posting.shared_account(LineRole.INDIVISIBLE_RESERVE) == "Equity:Reserves:Indivisible"
    assert posting.member_account(LineRole.PAYABLE, 7) == "Liabilities:Payable:Members:M7"
    assert posting.member_account(LineRole.CAPITAL_ACCOUNT, 7) == "Equity:CapitalAccounts:M7"


def test_to_draft__is_balanced_with_the_surplus_debited_first() -> None:
    draft = posting.to_draft(
        scop_allocation(1, 2, 3), commodity="EUR", day=DAY, description="Allocation 2026"
    )

    assert draft.postings[0].account == "Equity:RetainedEarnings"
    assert draft.postings[0].amount == D("10000.00")
    assert sum(p.amount for p in draft.postings) == 0
    assert {p.commodity for p in draft.postings} == {"EUR"}


async def test_post__records_one_allocation_transaction_and_moves_the_balances(
    books: Books,
) -> None:
    await retained(books)
    ids = (books.ada.id, books.bea.id, books.treasurer.id)  # the treasurer has no accounts yet
    allocation = scop_allocation(*ids)

    async with books.ctx.session() as db:
        tx = await posting.post(
            db, allocation, commodity="eur", day=DAY, description="Surplus 2026",
            by=books.treasurer.id, now=books.ctx.clock.now(),
        )
        await db.commit()

    assert tx.kind is TxKind.ALLOCATION
    assert tx.data["allocation"]["surplus"] == "10000.00"
    assert tx.data["allocation"]["members"] == 3
    assert await own(books, "Equity:RetainedEarnings") == D("0.00")
    assert await own(books, "Equity:Reserves:Legal") == D("-1500.00")
    assert await own(books, "Equity:Reserves:Indivisible") == D("-3940.00")
    # Member 1 of the worked example: 1,900.00 patronage + 20.00 interest, all in cash.
    assert await own(books, f"Liabilities:Payable:Members:M{books.ada.id}") == D("-1920.00")
    assert await own(books, f"Liabilities:Payable:Members:M{books.treasurer.id}") == D("-1530.00")
    async with books.ctx.session() as db:
        assert (await account.member_account(db, books.treasurer.id, Purpose.CAPITAL_ACCOUNT))
        lines = (await journal.postings_of(db, [tx.id]))[tx.id]
        trial = await balance.trial_balance(db)
    assert len(lines) == 1 + 2 + 3  # surplus, two reserves, three members' cash
    assert trial.balanced


async def test_post__credit_to_capital_accounts_lands_there(books: Books) -> None:
    members = [MemberBasis(books.ada.id, hours=D("3")), MemberBasis(books.bea.id, hours=D("1"))]
    allocation = allocate(parse_policy(preset("us_worker_coop")), D("1000.00"), members, 2)
    await retained(books, "1200.00")

    async with books.ctx.session() as db:
        await posting.post(db, allocation, commodity="EUR", day=DAY, description="Patronage",
                           by=None, now=books.ctx.clock.now())
        await db.commit()

    # 900.00 patronage by hours: 675.00 and 225.00; 20 % cash, 80 % credited.
    assert await own(books, f"Equity:CapitalAccounts:M{books.ada.id}") == D("-540.00")
    assert await own(books, f"Liabilities:Payable:Members:M{books.ada.id}") == D("-135.00")
    assert await own(books, f"Equity:CapitalAccounts:M{books.bea.id}") == D("-180.00")
    assert await own(books, "Equity:RetainedEarnings") == D("-200.00")


async def refused(books: Books, allocation: Allocation, *, fund: bool = True,
                  **changes: object) -> GovernanceError:
    if fund:
        await retained(books)
    arguments: dict[str, object] = {
        "commodity": "EUR", "day": DAY, "description": "Surplus 2026", "by": None,
        "now": books.ctx.clock.now(),
    }
    arguments.update(changes)
    before = await snapshot(books.ctx)
    with pytest.raises(GovernanceError) as caught:
        async with books.ctx.session() as db:
            await posting.post(db, allocation, **arguments)  # type: ignore[arg-type]
            await db.commit()
    assert await snapshot(books.ctx) == before
    return caught.value


async def test_post__a_surplus_above_the_retained_earnings_is_refused(books: Books) -> None:
    await retained(books, "9999.99")

    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id),
                          fund=False)

    assert error.code == "allocation_exceeds_retained_earnings"
    assert error.message == (
        "The surplus to allocate (10000.00 EUR) exceeds the retained earnings not yet "
        "distributed (9999.99 EUR); close the year first so its result moves to retained "
        "earnings, or allocate less."
    )


async def test_post__with_no_retained_earnings_at_all_is_refused(books: Books) -> None:
    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id),
                          fund=False)

    assert error.code == "allocation_exceeds_retained_earnings"


async def test_post__a_precision_other_than_the_commoditys_is_refused(books: Books) -> None:
    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id,
                                                 precision=0))

    assert error.code == "allocation_precision_mismatch"
    assert error.message == (
        "The allocation was computed with 0 decimals, but EUR has 2; compute it again with "
        "the commodity's precision."
    )


async def test_post__an_undeclared_commodity_is_refused(books: Books) -> None:
    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id),
                          commodity="USD")

    assert error.code == "ledger_undeclared_commodity"


async def test_post__paying_someone_who_is_not_a_member_is_refused(books: Books) -> None:
    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, 999_999))

    assert error.code == "allocation_unknown_member"
    assert "member 999999" in error.message


async def test_post__a_closed_member_account_is_refused_and_nothing_is_opened(
    books: Books,
) -> None:
    async with books.ctx.session() as db:
        await account.close_account(
            db, f"Equity:CapitalAccounts:M{books.bea.id}", now=books.ctx.clock.now()
        )
        await db.commit()

    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id))

    assert error.code == "ledger_closed_account"


async def test_post__into_a_closed_period_is_refused(books: Books) -> None:
    await retained(books)
    async with books.ctx.session() as db:
        await period.close(db, DAY, by=None, now=books.ctx.clock.now())
        await db.commit()

    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id),
                          day=date(2026, 1, 1), fund=False)

    assert error.code == "ledger_period_closed"


async def test_post__an_empty_description_is_refused(books: Books) -> None:
    error = await refused(books, scop_allocation(books.ada.id, books.bea.id, books.treasurer.id),
                          description="  ")

    assert error.code == "ledger_bad_transaction"
