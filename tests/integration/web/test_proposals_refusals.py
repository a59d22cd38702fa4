"""Every refusal on the governance pages answers the right status with a translated message, and
stores nothing."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from starlette.applications import Starlette

from coopfed.context import AppContext
from governance import comment, membership_class, proxy
from governance import member as members
from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.clock import ManualClock
from governance.member import Member, Status
from tests.helpers import csrf_of
from tests.integration.web import (
    adopt_bylaws,
    browser,
    bylaws_with_kind,
    post,
    propose,
    schedule,
    set_up,
    step_worker,
    vote,
)
from tests.integration.web_support import add_member


async def _stored(ctx: AppContext) -> tuple[int, ...]:
    """How many ballots, voter records, comments and proxies exist."""
    async with ctx.session() as db:
        counts = []
        for model in (RollCallBallot, SecretBallot, VoterRecord, comment.Comment, proxy.Proxy):
            counts.append(int(await db.scalar(select(func.count()).select_from(model)) or 0))
        return tuple(counts)


async def _open(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, kind: str = "ordinary", **fields: str
) -> int:
    proposal_id = await propose(client, kind, f"A {kind} proposal", **fields)
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    return proposal_id


async def _in_class(ctx: AppContext, member: Member, slug: str) -> None:
    async with ctx.session() as db:
        found = await membership_class.by_slug(db, slug)
        await membership_class.assign(
            db, await members.get(db, member.id), found.id, by=None, now=ctx.clock.now()
        )
        await db.commit()


async def test_vote_before_voting_opens_is_refused_with_409_and_stores_nothing(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "bea@example.org", name="Bea")
    async with browser(app, "bea@example.org") as bea:
        proposal_id = await propose(bea, "ordinary", "Paint the office")
        await schedule(bea, proposal_id)
        before = await _stored(ctx)
        refused = await vote(bea, proposal_id, {"vote": "yes"})
        assert refused.status_code == 409
        assert "Voting is not open on this proposal (it is scheduled)." in refused.text
        await post(bea, "/language", {"language": "fr", "next": "/"}, page="/")
        french = await vote(bea, proposal_id, {"vote": "yes"})
        assert french.status_code == 409
        assert "Le vote n’est pas ouvert sur cette proposition" in french.text
        assert "programmée" in french.text
        assert await _stored(ctx) == before


async def test_vote_after_closing_time_is_refused_with_409_before_and_after_the_worker_closes(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await _open(client, ctx, clock)
    clock.advance(timedelta(days=3))  # past the close, the worker has not run yet
    before = await _stored(ctx)
    late = await vote(client, proposal_id, {"vote": "yes"})
    assert late.status_code == 409
    await step_worker(ctx, clock, timedelta(minutes=1))
    closed = await vote(client, proposal_id, {"vote": "yes"})
    assert closed.status_code == 409
    assert "Voting is not open on this proposal (it is no quorum)." in closed.text
    assert await _stored(ctx) == before


async def test_vote_from_a_class_the_bylaws_leave_out_is_refused_with_403(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx, preset="multi_stakeholder")
    worker = await add_member(ctx, "wes@example.org", name="Wes")
    supporter = await add_member(ctx, "sue@example.org", name="Sue")
    applicant = await add_member(ctx, "app@example.org", name="Al", status=Status.APPLICANT)
    await _in_class(ctx, worker, "worker")
    await _in_class(ctx, supporter, "supporter")
    async with browser(app, "sue@example.org") as sue:
        proposal_id = await _open(
            client, ctx, clock, "member_admission", subject_member_id=str(applicant.id)
        )
        page = await sue.get(f"/proposals/{proposal_id}")
        assert "You are not in the electorate of this proposal" in page.text
        before = await _stored(ctx)
        refused = await vote(sue, proposal_id, {"vote": "yes"})
        assert refused.status_code == 403
        assert "You are not in the electorate of this proposal" in refused.text
        assert await _stored(ctx) == before


async def test_vote_from_an_applicant_is_refused_with_403(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "app@example.org", name="Al", status=Status.APPLICANT)
    proposal_id = await _open(client, ctx, clock)
    async with browser(app, "app@example.org") as al:
        assert (await al.get(f"/proposals/{proposal_id}")).status_code == 403
        before = await _stored(ctx)
        home = await al.get("/")
        refused = await al.post(
            f"/proposals/{proposal_id}/ballot",
            data={"vote": "yes", "csrf_token": csrf_of(home.text)},
        )
        assert refused.status_code == 403
        assert "Only admitted members can see and take part" in refused.text
        assert await _stored(ctx) == before


async def test_approval_ballot_with_an_unknown_or_extra_option_is_refused_with_422(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await _open(client, ctx, clock, "choice", options="Red\nGreen")
    before = await _stored(ctx)
    unknown = await vote(client, proposal_id, {"approve_o9": "on"})
    assert unknown.status_code == 422
    assert "Unknown option(s): o9." in unknown.text
    too_many = await vote(client, proposal_id, {"approve_o1": "on", "approve_o2": "on"})
    assert too_many.status_code == 422
    assert "Approve at most 1 option(s)." in too_many.text
    assert await _stored(ctx) == before


async def test_score_ballot_out_of_range_is_refused_with_422(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await adopt_bylaws(client, ctx, clock, bylaws_with_kind("pick", label="Pick", method="score"))
    scored = await _open(client, ctx, clock, "pick", options="Red\nGreen")
    before = await _stored(ctx)
    for bad in ("7", "-1", "two"):
        refused = await vote(client, scored, {"score_o1": bad, "score_o2": "3"})
        assert refused.status_code == 422
        assert "Scores are whole numbers from 0 to 5." in refused.text
    assert await _stored(ctx) == before


async def test_block_without_a_reason_is_refused_with_422(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx, preset="multi_stakeholder")
    proposal_id = await _open(client, ctx, clock, "consent")
    before = await _stored(ctx)
    refused = await vote(client, proposal_id, {"vote": "block", "reason": "  "})
    assert refused.status_code == 422
    assert "A block needs a reason" in refused.text
    assert await _stored(ctx) == before
    accepted = await vote(client, proposal_id, {"vote": "block", "reason": "Too costly."})
    assert accepted.status_code == 200


async def test_proxy_beyond_the_bylaws_limit_is_refused_with_409(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    holder = await add_member(ctx, "hal@example.org", name="Hal")
    await add_member(ctx, "gia@example.org", name="Gia")
    await add_member(ctx, "gus@example.org", name="Gus")
    proposal_id = await _open(client, ctx, clock)
    async with browser(app, "gia@example.org") as gia, browser(app, "gus@example.org") as gus:
        fields = {"holder_id": str(holder.id), "proposal_id": str(proposal_id)}
        assert (await post(gia, "/proxies", fields, page="/proxies")).status_code == 303
        before = await _stored(ctx)
        refused = await post(gus, "/proxies", fields, page="/proxies")
        assert refused.status_code == 409
        assert "Hal already holds the most proxies the bylaws allow (1)." in refused.text
        assert await _stored(ctx) == before


async def test_vote_for_someone_who_gave_no_proxy_is_refused_with_403(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    other = await add_member(ctx, "bea@example.org", name="Bea")
    proposal_id = await _open(client, ctx, clock)
    before = await _stored(ctx)
    refused = await vote(client, proposal_id, {"vote": "yes", "on_behalf_of": str(other.id)})
    assert refused.status_code == 403
    assert "You hold no usable proxy from this member" in refused.text
    assert await _stored(ctx) == before


async def test_editing_an_open_proposal_is_refused_with_409(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await _open(client, ctx, clock)
    form = await client.get(f"/proposals/{proposal_id}/edit")
    assert form.status_code == 409
    assert "The question cannot change once voting has opened." in form.text
    page = await client.get(f"/proposals/{proposal_id}")
    refused = await client.post(
        f"/proposals/{proposal_id}/edit",
        data={"title": "Changed", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 409
    assert "Changed" not in (await client.get(f"/proposals/{proposal_id}")).text


async def test_editing_someone_elses_proposal_is_refused_with_403(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "bea@example.org", name="Bea")
    await add_member(ctx, "cy@example.org", name="Cy")
    async with browser(app, "bea@example.org") as bea, browser(app, "cy@example.org") as cy:
        proposal_id = await propose(bea, "ordinary", "Bea's idea")
        await schedule(bea, proposal_id)
        assert (await cy.get(f"/proposals/{proposal_id}/edit")).status_code == 403
        withdrawn = await post(cy, f"/proposals/{proposal_id}/withdraw", {}, page="/proposals")
        assert withdrawn.status_code == 403


async def test_comment_on_a_closed_proposal_is_refused_with_409(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await _open(client, ctx, clock)
    await step_worker(ctx, clock, timedelta(days=3))
    before = await _stored(ctx)
    refused = await post(
        client,
        f"/proposals/{proposal_id}/comments",
        {"body": "Too late?"},
        page=f"/proposals/{proposal_id}",
    )
    assert refused.status_code == 409
    assert "The discussion is closed: this proposal is no longer open." in refused.text
    assert await _stored(ctx) == before


async def test_forms_without_the_csrf_token_are_refused_with_403(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    other = await add_member(ctx, "bea@example.org", name="Bea")
    proposal_id = await _open(client, ctx, clock)
    before = await _stored(ctx)
    for url, data in (
        (f"/proposals/{proposal_id}/ballot", {"vote": "yes"}),
        (f"/proposals/{proposal_id}/comments", {"body": "Hello"}),
        ("/proxies", {"holder_id": str(other.id)}),
        ("/proposals", {"kind": "ordinary", "title": "Forged"}),
    ):
        refused = await client.post(url, data=data)
        assert refused.status_code == 403, url
        assert "This form has expired or did not come from this site." in refused.text
    assert await _stored(ctx) == before
