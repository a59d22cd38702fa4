"""Group commit for the inbox: concurrent stores share a flush, each learns whether it was
new, duplicates (stored before, or twice in one flush) are stored once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from coopfed.context import AppContext
from federation.inbox_writer import InboxWriter
from federation.models import InboxItem
from governance.clock import ManualClock

ACTOR = "https://peer.example/users/alice"


async def test_writer__concurrent_stores_share_flushes_and_report_duplicates(
    ctx: AppContext, clock: ManualClock
) -> None:
    writer = InboxWriter(ctx.sessions)

    async def put(serial: int) -> bool:
        activity_id = f"{ACTOR}/activities/{serial}"
        stored = await writer.store(
            activity_id=activity_id,
            activity_type="Create",
            actor=ACTOR,
            payload={"id": activity_id, "type": "Create", "actor": ACTOR},
            recipient=None,
            key_id=f"{ACTOR}#main-key",
            signature_scheme="rfc9421",
            now=clock.now(),
        )
        return stored.created

    first = await put(0)
    results = await asyncio.gather(*(put(n % 40) for n in range(120)))  # each id three times
    await writer.aclose()
    assert first is True
    assert sum(results) == 39  # ids 1..39 new once each; id 0 was stored before
    async with ctx.session() as db:
        assert await db.scalar(select(func.count()).select_from(InboxItem)) == 40
