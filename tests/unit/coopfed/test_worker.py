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


async def test_run_once__opens_and_closes_proposals_on_time(
    ctx: AppContext, clock: ManualClock
) -> None:
    from governance import member as members
    from governance.proposal import service
    from governance.proposal.model import ProposalStatus
    from tests.integration.governance_support import coop_with_members

    people = await coop_with_members(ctx, 2)
    async with ctx.session() as db:
        author = await members.get(db, people[0].id)
        proposal = await service.create(
            db, author, service.Draft(kind="ordinary", title="Q"), now=clock.now()
        )
        await service.schedule(
            db, proposal, author, opens_at=clock.now() + timedelta(hours=1),
            closes_at=clock.now() + timedelta(hours=49), now=clock.now(),
        )
        await db.commit()
    worker = Worker(ctx)
    assert (await worker.run_once())["proposal-clock"] == 0
    clock.advance(timedelta(hours=1))
    assert (await worker.run_once())["proposal-clock"] == 1
    async with ctx.session() as db:
        assert (await service.get(db, proposal.id)).status is ProposalStatus.OPEN
    clock.advance(timedelta(hours=48))
    await worker.run_once()
    async with ctx.session() as db:
        assert (await service.get(db, proposal.id)).status is ProposalStatus.NO_QUORUM
