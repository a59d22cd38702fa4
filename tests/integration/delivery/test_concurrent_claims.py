"""Several workers share the queue: on PostgreSQL, claims taken at the same moment never
overlap (``FOR UPDATE SKIP LOCKED``), and every due delivery is claimed by exactly one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from coopfed.context import AppContext
from federation.delivery import outbox
from federation.delivery.claim import claim_due
from tests.conftest import PG_URL
from tests.integration.delivery.conftest import note_activity

LEASE = timedelta(minutes=5)


async def queue(ctx: AppContext, count: int) -> None:
    async with ctx.session() as db:
        await outbox.publish(
            db,
            actor="instance",
            activity=note_activity(ctx, "fan-out"),
            inboxes=[f"https://peer{n % 7}.example/inbox/{n}" for n in range(count)],
            now=ctx.clock.now(),
        )
        await db.commit()


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer")
async def test_two_claimers_with_open_transactions__never_take_the_same_row(
    ctx: AppContext,
) -> None:
    await queue(ctx, 30)
    now = ctx.clock.now()
    async with ctx.session() as first, ctx.session() as second:
        a = await claim_due(first, now=now, limit=20, lease=LEASE)  # not committed yet
        b = await claim_due(second, now=now, limit=20, lease=LEASE)  # skips a's locked rows
        await first.commit()
        await second.commit()
    ids_a = {d.id for d in a.deliveries}
    ids_b = {d.id for d in b.deliveries}
    assert len(ids_a) == 20 and len(ids_b) == 10
    assert not ids_a & ids_b


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer")
async def test_many_concurrent_claimers__claim_every_row_exactly_once(ctx: AppContext) -> None:
    await queue(ctx, 400)
    now = ctx.clock.now()

    async def worker() -> list[int]:
        taken: list[int] = []
        while True:
            async with ctx.session() as db:
                claim = await claim_due(db, now=now, limit=15, lease=LEASE)
                await db.commit()
            if not claim.deliveries:
                return taken
            taken.extend(d.id for d in claim.deliveries)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(worker() for _ in range(6)))
    every = [i for ids in results for i in ids]
    assert len(every) == len(set(every)) == 400
    assert sum(1 for ids in results if ids) >= 2  # the work was really shared


async def test_claims__are_not_taken_again_while_their_lease_holds(ctx: AppContext) -> None:
    await queue(ctx, 10)
    now = ctx.clock.now()
    async with ctx.session() as db:
        first = await claim_due(db, now=now, limit=6, lease=LEASE)
        await db.commit()
    async with ctx.session() as db:
        second = await claim_due(db, now=now + LEASE / 2, limit=100, lease=LEASE)
        await db.commit()
    async with ctx.session() as db:
        third = await claim_due(db, now=now + LEASE, limit=100, lease=LEASE)
        await db.commit()
    assert len(first.deliveries) == 6 and len(second.deliveries) == 4
    assert {d.id for d in third.deliveries} == {d.id for d in first.deliveries}
