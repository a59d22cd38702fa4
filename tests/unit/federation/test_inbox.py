"""The durable inbox: one row per activity id, processing by type, failures kept and retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.context import AppContext
from federation import inbox
from federation.models import InboxItem, InboxStatus
from governance import audit
from governance.clock import ManualClock

ACTOR = "https://mastodon.example/users/alice"


async def put(db: AsyncSession, clock: ManualClock, activity_id: str, kind: str = "Follow") -> int | None:
    stored = await inbox.store(
        db,
        activity_id=activity_id,
        activity_type=kind,
        actor=ACTOR,
        payload={"id": activity_id, "type": kind, "actor": ACTOR},
        recipient=None,
        key_id=f"{ACTOR}#main-key",
        signature_scheme="cavage",
        now=clock.now(),
    )
    return stored.item_id


async def rows(ctx: AppContext) -> list[InboxItem]:
    async with ctx.session() as db:
        return list(await db.scalars(select(InboxItem).order_by(InboxItem.id)))


async def test_store__keeps_one_row_per_activity_id(ctx: AppContext, clock: ManualClock) -> None:
    async with ctx.session() as db:
        first = await put(db, clock, f"{ACTOR}/follows/1")
        await db.commit()
    async with ctx.session() as db:
        again = await put(db, clock, f"{ACTOR}/follows/1", kind="Undo")
        other = await put(db, clock, f"{ACTOR}/follows/2")
        await db.commit()
    assert first is not None and again is None and other is not None
    stored = await rows(ctx)
    assert [(r.activity_id, r.activity_type, r.status) for r in stored] == [
        (f"{ACTOR}/follows/1", "Follow", InboxStatus.PENDING),
        (f"{ACTOR}/follows/2", "Follow", InboxStatus.PENDING),
    ]
    assert stored[0].payload["type"] == "Follow"


async def test_processor__marks_an_unknown_type_failed_and_keeps_it(
    ctx: AppContext, clock: ManualClock
) -> None:
    async with ctx.session() as db:
        await put(db, clock, f"{ACTOR}/follows/1")
        await db.commit()
    assert await inbox.InboxProcessor().run_once(ctx) == 1
    [item] = await rows(ctx)
    assert item.status is InboxStatus.FAILED
    assert item.error is not None and "'Follow'" in item.error
    assert item.attempts == 1
    assert item.processed_at == clock.now()
    assert await inbox.InboxProcessor().run_once(ctx) == 0  # failed items wait for a retry


async def test_processor__records_a_handler_error_and_runs_a_working_handler(
    ctx: AppContext, clock: ManualClock
) -> None:
    seen: list[str] = []

    async def broken(db: AsyncSession, item: InboxItem) -> None:
        raise ValueError("the object is gone")

    async def working(db: AsyncSession, item: InboxItem) -> None:
        seen.append(item.activity_id)

    async with ctx.session() as db:
        await put(db, clock, f"{ACTOR}/1", kind="Create")
        await put(db, clock, f"{ACTOR}/2", kind="Follow")
        await db.commit()
    processor = inbox.InboxProcessor({"Create": broken, "Follow": working})
    assert await processor.run_once(ctx) == 2
    create, follow = await rows(ctx)
    assert create.status is InboxStatus.FAILED
    assert create.error == "ValueError: the object is gone"
    assert create.attempts == 1
    assert follow.status is InboxStatus.DONE and follow.error is None
    assert seen == [f"{ACTOR}/2"]


async def test_retry__queues_a_failed_item_again_and_is_audited(
    ctx: AppContext, clock: ManualClock
) -> None:
    async with ctx.session() as db:
        item_id = await put(db, clock, f"{ACTOR}/1")
        await db.commit()
    await inbox.InboxProcessor().run_once(ctx)
    clock.advance(timedelta(minutes=5))
    async with ctx.session() as db:
        assert item_id is not None
        item = await inbox.retry(db, item_id, by=None, now=clock.now())
        await db.commit()
        assert item.status is InboxStatus.PENDING and item.error is None
        [event] = await audit.page(db)
    assert event.action == "federation.inbox_retry"

    async def done(db: AsyncSession, item: InboxItem) -> None:
        return None

    assert await inbox.InboxProcessor({"Follow": done}).run_once(ctx) == 1
    [item] = await rows(ctx)
    assert item.status is InboxStatus.DONE and item.attempts == 2


async def test_retry__refuses_items_that_did_not_fail(ctx: AppContext, clock: ManualClock) -> None:
    async with ctx.session() as db:
        item_id = await put(db, clock, f"{ACTOR}/1")
        await db.commit()
        assert item_id is not None
        with pytest.raises(inbox.NotRetryable):
            await inbox.retry(db, item_id, by=None, now=clock.now())
        with pytest.raises(inbox.ItemNotFound):
            await inbox.retry(db, item_id + 100, by=None, now=clock.now())


async def test_count_by_status(ctx: AppContext, clock: ManualClock) -> None:
    async with ctx.session() as db:
        await put(db, clock, f"{ACTOR}/1")
        await put(db, clock, f"{ACTOR}/2")
        await db.commit()
    await inbox.InboxProcessor(batch=1).run_once(ctx)
    async with ctx.session() as db:
        counts = await inbox.count_by_status(db)
        total = await db.scalar(select(func.count()).select_from(InboxItem))
    assert counts == {InboxStatus.PENDING: 1, InboxStatus.DONE: 0, InboxStatus.FAILED: 1}
    assert total == 2
