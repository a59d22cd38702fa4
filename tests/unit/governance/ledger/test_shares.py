"""The share register: subscribe, transfer, redeem; numbered, posted, never below zero."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from governance.errors import GovernanceError
from governance.ledger import shares
from governance.ledger.model import ShareOpKind
from tests.unit.governance.ledger.conftest import RULES, Books, snapshot


async def test_subscribe_transfer_redeem__numbered_and_posted(books: Books) -> None:
    ctx = books.ctx
    async with ctx.session() as db:
        one = await shares.subscribe(db, books.ada.id, 5, RULES, by=None, now=ctx.clock.now())
        two = await shares.transfer(db, books.ada.id, books.bea.id, 2, RULES, by=None,
                                    now=ctx.clock.now())
        three = await shares.redeem(db, books.bea.id, 1, RULES, by=None, now=ctx.clock.now())
        await db.commit()
    assert [(o.number, o.kind) for o in (one, two, three)] == [
        (1, ShareOpKind.SUBSCRIBE), (2, ShareOpKind.TRANSFER), (3, ShareOpKind.REDEEM)]
    async with ctx.session() as db:
        ada = await shares.holding(db, books.ada.id, "EUR")
        bea = await shares.holding(db, books.bea.id, "EUR")
        register = await shares.register(db)
    assert (ada.shares, ada.capital) == (3, Decimal(300))
    assert (bea.shares, bea.capital) == (1, Decimal(100))
    assert [op.number for op in register] == [1, 2, 3]


async def test_transfer__refused_when_the_bylaws_forbid_it(books: Books) -> None:
    ctx = books.ctx
    async with ctx.session() as db:
        await shares.subscribe(db, books.ada.id, 2, RULES, by=None, now=ctx.clock.now())
        await db.commit()
    before = await snapshot(ctx)
    async with ctx.session() as db:
        with pytest.raises(GovernanceError) as caught:
            await shares.transfer(db, books.ada.id, books.bea.id, 1,
                                  replace(RULES, transfers_allowed=False), by=None,
                                  now=ctx.clock.now())
    assert caught.value.code == "ledger_transfers_not_allowed"
    assert await snapshot(ctx) == before


async def test_redeem__more_than_held_is_refused_and_nothing_is_numbered(books: Books) -> None:
    ctx = books.ctx
    async with ctx.session() as db:
        await shares.subscribe(db, books.ada.id, 2, RULES, by=None, now=ctx.clock.now())
        await db.commit()
    before = await snapshot(ctx)
    async with ctx.session() as db:
        with pytest.raises(GovernanceError) as caught:
            await shares.redeem(db, books.ada.id, 3, RULES, by=None, now=ctx.clock.now())
    assert caught.value.code == "ledger_negative_holdings"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("quantity", [0, -1, True, 1_000_001])
async def test_quantity__must_be_a_positive_whole_number(books: Books, quantity: int) -> None:
    async with books.ctx.session() as db:
        with pytest.raises(GovernanceError) as caught:
            await shares.subscribe(db, books.ada.id, quantity, RULES, by=None,
                                   now=books.ctx.clock.now())
    assert caught.value.code == "ledger_bad_quantity"


async def test_two_simultaneous_redemptions__only_one_passes_the_holdings_check(
    books: Books,
) -> None:
    ctx = books.ctx
    async with ctx.session() as db:
        await shares.subscribe(db, books.ada.id, 3, RULES, by=None, now=ctx.clock.now())
        await db.commit()
    started = asyncio.Event()

    async def redeem_all(first: bool) -> str:
        async with ctx.session() as db:
            try:
                if first:
                    # Hold the ledger lock while the other writer starts.
                    await shares.redeem(db, books.ada.id, 3, RULES, by=None, now=ctx.clock.now())
                    started.set()
                    await asyncio.sleep(0.2)
                else:
                    await started.wait()
                    await shares.redeem(db, books.ada.id, 3, RULES, by=None, now=ctx.clock.now())
                await db.commit()
                return "ok"
            except GovernanceError as exc:
                await db.rollback()
                return exc.code

    results = await asyncio.gather(redeem_all(True), redeem_all(False))
    assert sorted(results) == ["ledger_negative_holdings", "ok"]
    async with ctx.session() as db:
        assert (await shares.holding(db, books.ada.id, "EUR")).shares == 0
