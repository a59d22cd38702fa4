"""Story: a member proposes, others vote (one by proxy, one secretly), the worker closes on time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopfed.context import AppContext
from governance import member as members
from governance import proxy
from governance.ballot import cast as ballots
from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.clock import ManualClock
from governance.errors import Conflict, Forbidden, InvalidInput
from governance.member import Status
from governance.proposal import lifecycle, service
from governance.proposal.model import ProposalStatus
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.integration.web_support import add_member


async def _vote(ctx: AppContext, proposal_id: int, member_id: int, choice: dict, **kw: object) -> ballots.BallotCast:
    async with ctx.session() as db:
        actor = await members.get(db, member_id)
        cast = await ballots.cast(db, proposal_id, actor, choice, now=ctx.clock.now(), **kw)  # type: ignore[arg-type]
        await db.commit()
        return cast


async def test_majority_with_proxy_closes_on_time_and_passes(ctx: AppContext, clock: ManualClock) -> None:
    people = await coop_with_members(ctx, 4)
    proposal = await open_proposal(ctx, people[0])
    async with ctx.session() as db:
        giver = await members.get(db, people[3].id)
        await proxy.give(db, giver, people[1].id, proposal=proposal, now=clock.now())
        await db.commit()
    await _vote(ctx, proposal.id, people[0].id, {"vote": "yes"})
    await _vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"}, on_behalf_of=people[3].id)
    await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"})  # changed vote
    clock.advance(timedelta(hours=71))
    async with ctx.session() as db:
        assert await lifecycle.close_due(db, now=clock.now()) == []
    clock.advance(timedelta(hours=2))
    async with ctx.session() as db:
        closed = await lifecycle.close_due(db, now=clock.now())
        await db.commit()
    assert [c.status for c in closed] == [ProposalStatus.PASSED]
    async with ctx.session() as db:
        done = await service.get(db, proposal.id)
        assert done.result is not None
        assert done.result["totals"]["yes"] == "3"
        assert done.result["ballot_count"] == 3
        assert done.result["quorum_reached"] is True
        ballot_for_giver = await ballots.own_roll_call_ballot(db, proposal.id, people[3].id)
        assert ballot_for_giver is not None and ballot_for_giver.cast_by_id == people[1].id


async def test_giver_own_ballot_overrides_the_proxy_and_cannot_be_overridden(ctx: AppContext, clock: ManualClock) -> None:
    people = await coop_with_members(ctx, 3)
    proposal = await open_proposal(ctx, people[0])
    async with ctx.session() as db:
        await proxy.give(db, await members.get(db, people[2].id), people[1].id, proposal=proposal, now=clock.now())
        await db.commit()
    await _vote(ctx, proposal.id, people[1].id, {"vote": "no"}, on_behalf_of=people[2].id)
    await _vote(ctx, proposal.id, people[2].id, {"vote": "yes"})
    with pytest.raises(Conflict):
        await _vote(ctx, proposal.id, people[1].id, {"vote": "no"}, on_behalf_of=people[2].id)
    async with ctx.session() as db:
        own = await ballots.own_roll_call_ballot(db, proposal.id, people[2].id)
        assert own is not None and own.choice == {"vote": "yes"} and own.cast_by_id == people[2].id


async def test_secret_admission_admits_the_applicant_and_hides_the_link(ctx: AppContext, clock: ManualClock) -> None:
    people = await coop_with_members(ctx, 3)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="Newcomer")
    proposal = await open_proposal(
        ctx, people[0], kind="member_admission", title="Admit Newcomer",
        subject_member_id=applicant.id,
    )
    receipt = await _vote(ctx, proposal.id, people[0].id, {"vote": "yes"})
    await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    await _vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    async with ctx.session() as db:
        assert await db.scalar(select(func.count()).select_from(SecretBallot)) == 2
        assert await db.scalar(select(func.count()).select_from(VoterRecord)) == 2
        assert await db.scalar(select(func.count()).select_from(RollCallBallot)) == 0
        check = await ballots.check_receipt(db, proposal.id, receipt.receipt)
        assert check.found and check.choice == {"vote": "yes"}
    clock.advance(timedelta(hours=73))
    async with ctx.session() as db:
        await lifecycle.close_due(db, now=clock.now())
        await db.commit()
    async with ctx.session() as db:
        done = await service.get(db, proposal.id)
        assert done.status is ProposalStatus.PASSED
        assert done.slot_key is None  # nobody can link ballots to voters any more
        assert (await members.get(db, applicant.id)).status is Status.MEMBER


async def test_fifty_simultaneous_submissions_leave_one_ballot(ctx: AppContext) -> None:
    people = await coop_with_members(ctx, 2)
    proposal = await open_proposal(ctx, people[0])
    choices = ["yes", "no", "abstain"]
    await asyncio.gather(
        *(_vote(ctx, proposal.id, people[1].id, {"vote": choices[n % 3]}) for n in range(50))
    )
    async with ctx.session() as db:
        count = await db.scalar(
            select(func.count()).select_from(RollCallBallot).where(RollCallBallot.voter_id == people[1].id)
        )
        assert count == 1


async def test_cast__refusals_store_nothing(ctx: AppContext, clock: ManualClock) -> None:
    people = await coop_with_members(ctx, 2)
    outsider = await add_member(ctx, "app@example.org", status=Status.APPLICANT)
    proposal = await open_proposal(ctx, people[0])
    with pytest.raises(Forbidden):
        await _vote(ctx, proposal.id, outsider.id, {"vote": "yes"})
    with pytest.raises(InvalidInput):
        await _vote(ctx, proposal.id, people[1].id, {"vote": "maybe"})
    with pytest.raises(Forbidden):
        await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"}, on_behalf_of=people[0].id)
    clock.advance(timedelta(hours=80))
    with pytest.raises(Conflict):
        await _vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    async with ctx.session() as db:
        assert await db.scalar(select(func.count()).select_from(RollCallBallot)) == 0
