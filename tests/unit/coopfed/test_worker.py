"""The background worker steps its jobs with run_once(); tests never sleep."""

from __future__ import annotations

from datetime import timedelta

from coopfed.auth import web_session
from coopfed.context import AppContext
from coopfed.worker import Job, Worker
from governance.clock import ManualClock
from tests.integration.web_support import add_member


async def test_run_once__purges_expired_sessions(ctx: AppContext, clock: ManualClock) -> None:
    member = await add_member(ctx, "s@example.org")
    async with ctx.session() as db:
        await web_session.open_session(db, member, now=clock.now(), lifetime=timedelta(days=1))
        await web_session.open_session(db, member, now=clock.now(), lifetime=timedelta(days=3))
        await db.commit()
    clock.advance(timedelta(days=2))
    done = await Worker(ctx).run_once()
    assert done["purge-expired-sessions"] == 1
    async with ctx.session() as db:
        assert len(await web_session.list_for(db, member.id, now=clock.now())) == 1


class Exploding:
    name = "exploding"

    async def run_once(self, ctx: AppContext) -> int:
        raise RuntimeError("boom")


class Counting:
    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    async def run_once(self, ctx: AppContext) -> int:
        self.calls += 1
        return 0


async def test_run_once__a_failing_job_does_not_stop_the_others(ctx: AppContext) -> None:
    counting = Counting()
    jobs: list[Job] = [Exploding(), counting]
    done = await Worker(ctx, jobs).run_once()
    assert done == {"exploding": -1, "counting": 0}
    assert counting.calls == 1
