"""Property: whatever is attempted, and whatever is refused, the books always balance.

Hypothesis draws sequences of writes (entries with random amounts and decimals, some
unbalanced; subscriptions, transfers and redemptions of random sizes). After each sequence
every commodity sums to zero, no holding is below zero, and ``verify`` finds nothing.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from coopfed import bootstrap
from coopfed.context import build_context
from coopfed.settings import Settings
from governance import merkle
from governance.clock import ManualClock
from governance.errors import GovernanceError
from governance.ledger import account, balance, journal, leaf, shares, verify
from governance.ledger import draft as drafts
from governance.ledger.commodity import SHARES
from governance.ledger.model import Account, Purpose
from tests.conftest import START
from tests.integration.api.conftest import make_member
from tests.unit.governance.ledger.conftest import DAY, RULES

ACCOUNTS = ["Assets:Bank", "Income:Sales", "Expenses:Wages", "Equity:Reserves:Legal"]
amounts = st.decimals(min_value=Decimal("-5000"), max_value=Decimal("5000"), places=3,
                      allow_nan=False, allow_infinity=False)
entry = st.tuples(st.just("entry"), st.lists(st.tuples(st.sampled_from(ACCOUNTS), amounts),
                                             min_size=1, max_size=4), st.booleans())
share_op = st.tuples(st.sampled_from(["subscribe", "transfer", "redeem"]),
                     st.integers(min_value=1, max_value=6), st.booleans())
operations = st.lists(st.one_of(entry, share_op), max_size=10)


async def _run(settings: Settings, ops: list[tuple[Any, ...]]) -> None:
    ctx = build_context(settings, clock=ManualClock(START))
    try:
        await bootstrap.initialize(ctx, upgrade=False)
        one, two = await make_member(ctx), await make_member(ctx)
        async with ctx.session() as db:
            await account.ensure_chart(db, "EUR", now=ctx.clock.now())
            await db.commit()
        for op in ops:
            async with ctx.session() as db:
                try:
                    await _apply(db, op, one.id, two.id, ctx.clock.now())
                    await db.commit()
                except GovernanceError:
                    await db.rollback()
        async with ctx.session() as db:
            totals = await balance.commodity_totals(db)
            assert all(v == 0 for v in totals.values()), totals
            held = (await db.scalars(
                select(Account.id).where(Account.purpose == Purpose.SHARE_HOLDINGS))).all()
            for account_id in held:
                assert await balance.of_account_in(db, account_id, SHARES) >= 0
            report = await verify.verify(db)
            assert report.ok, report.problem
    finally:
        await ctx.dispose()


async def _apply(db: Any, op: tuple[Any, ...], one: int, two: int, now: Any) -> None:
    if op[0] == "entry":
        _, lines, balance_it = op
        postings = [(name, "EUR", amount) for name, amount in lines]
        if balance_it:
            postings.append(("Assets:Bank", "EUR", -sum((a for _, a in lines), Decimal(0))))
        await journal.record(db, drafts.make(DAY, "Random", postings), by=None, now=now)
        return
    kind, quantity, first = op
    who, other = (one, two) if first else (two, one)
    if kind == "subscribe":
        await shares.subscribe(db, who, quantity, RULES, by=None, now=now)
    elif kind == "transfer":
        await shares.transfer(db, who, other, quantity, RULES, by=None, now=now)
    else:
        await shares.redeem(db, who, quantity, RULES, by=None, now=now)


@hsettings(max_examples=15, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_books__always_balance_and_verify_whatever_is_attempted(
    settings: Settings, ops: list[tuple[Any, ...]]
) -> None:
    asyncio.run(_run(settings, ops))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@hsettings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_leaf_canonical__is_exactly_rfc_8785(doc: dict[str, Any]) -> None:
    assert leaf.canonical(doc) == merkle.canonical_leaf(doc)


@hsettings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(max_size=6), json_values, max_size=4),
       description=st.text(max_size=30), seq=st.integers(min_value=0, max_value=2**60))
def test_leaf_document__canonical_form_is_rfc_8785_whatever_it_holds(
    data: dict[str, Any], description: str, seq: int
) -> None:
    doc = leaf.document(seq=seq, kind="entry", day=DAY, description=description,
                        recorded_at=START, recorded_by=None, reverses=None,
                        postings=[("Assets:Bank", "EUR", Decimal("1.5"))], data=data)
    try:
        expected = merkle.canonical_leaf(doc)
    except merkle.CanonicalizationError:
        return  # no RFC 8785 form (an integer beyond 2**53): nothing to compare
    assert leaf.canonical(doc) == expected
