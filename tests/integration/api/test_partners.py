"""Partner co-ops through the API (one instance): follow requests answered by an admin, the
auto-accept switch, announcements, the published Question and Note objects, and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from coopfed.context import AppContext
from coopfed.federation_jobs import ProcessInbox
from federation import inbox
from federation.delivery.model import Delivery
from federation.follow.model import Follower
from federation.models import OutboxActivity, RemoteActor
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.api.test_proposals_support import HOUR, coop, open_via_api, run_worker, vote

PARTNER = "https://partner.example/actors/coop"
AS2 = {"Accept": "application/activity+json"}


@pytest.fixture
async def people(ctx: AppContext) -> list[Caller]:
    return await coop(ctx, 2)


async def follow_request(ctx: AppContext, n: int = 1) -> int:
    """A verified Follow from the partner, processed by the worker; the follower row's id."""
    async with ctx.session() as db:
        if await db.scalar(select(RemoteActor.id).where(RemoteActor.uri == PARTNER)) is None:
            db.add(
                RemoteActor(
                    uri=PARTNER,
                    host="partner.example",
                    actor_type="Organization",
                    inbox=f"{PARTNER}/inbox",
                    shared_inbox="https://partner.example/inbox",
                    document={"id": PARTNER},
                    fetched_at=ctx.clock.now(),
                )
            )
        activity = {
            "id": f"https://partner.example/follows/{n}",
            "type": "Follow",
            "actor": PARTNER,
            "object": "http://testserver/actors/coop",
        }
        await inbox.store(
            db,
            activity_id=activity["id"],
            activity_type="Follow",
            actor=PARTNER,
            payload=activity,
            recipient="coop",
            key_id=f"{PARTNER}#main-key",
            signature_scheme="rfc9421",
            now=ctx.clock.now(),
        )
        await db.commit()
    await ProcessInbox().run_once(ctx)
    async with ctx.session() as db:
        row_id = await db.scalar(select(Follower.id).where(Follower.actor_uri == PARTNER))
        assert row_id is not None
        return row_id


async def outbox_types(ctx: AppContext) -> list[str]:
    async with ctx.session() as db:
        return list(
            await db.scalars(select(OutboxActivity.activity_type).order_by(OutboxActivity.id))
        )


async def test_manual_approval_through_the_api(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    admin, member = people
    response = await client.patch(
        f"{API}/partners/settings", json={"auto_accept_follows": False}, headers=admin.headers
    )
    assert response.status_code == 200 and response.json()["auto_accept_follows"] is False
    follower_id = await follow_request(ctx)

    listed = (await client.get(f"{API}/partners", headers=member.headers)).json()
    assert [r["actor_uri"] for r in listed["requests"]] == [PARTNER]
    assert listed["followers"] == []

    refused = await client.post(
        f"{API}/partners/followers/{follower_id}/approve", headers=member.headers
    )
    assert_error(refused, 403)
    approved = await client.post(
        f"{API}/partners/followers/{follower_id}/approve", headers=admin.headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "accepted"
    assert await outbox_types(ctx) == ["Accept"]
    again = await client.post(
        f"{API}/partners/followers/{follower_id}/reject", headers=admin.headers
    )
    assert_error(again, 409, "follow_not_pending")
    assert_error(
        await client.post(f"{API}/partners/followers/999/approve", headers=admin.headers),
        404,
        "follower_not_found",
    )

    removed = await client.delete(f"{API}/partners/followers/{follower_id}", headers=admin.headers)
    assert removed.status_code == 204
    assert await outbox_types(ctx) == ["Accept", "Reject"]
    assert (await client.get(f"{API}/partners", headers=admin.headers)).json()["followers"] == []


async def test_following_refusals_store_nothing(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    admin, member = people
    assert_error(
        await client.post(
            f"{API}/partners/following", json={"handle": PARTNER}, headers=member.headers
        ),
        403,
    )
    yourself = await client.post(
        f"{API}/partners/following", json={"handle": "@coop@testserver"}, headers=admin.headers
    )
    assert_error(yourself, 422, "follows_yourself")
    garbled = await client.post(
        f"{API}/partners/following", json={"handle": "not a handle"}, headers=admin.headers
    )
    assert_error(garbled, 422, "invalid_handle")
    assert_error(
        await client.post(f"{API}/partners/following", json={}, headers=admin.headers), 422
    )
    assert_error(
        await client.delete(f"{API}/partners/following/5", headers=admin.headers),
        404,
        "following_not_found",
    )
    assert await outbox_types(ctx) == []


async def test_an_applicant_cannot_read_partners(client: AsyncClient, ctx: AppContext) -> None:
    applicant = await make_member(ctx, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    assert_error(await client.get(f"{API}/partners", headers=headers), 403)
    assert_error(await client.get(f"{API}/partners/feed", headers=headers), 403)


async def test_announcement_goes_to_followers_and_is_served_as_a_note(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    admin, member = people
    await follow_request(ctx)  # auto-accepted
    assert_error(
        await client.post(
            f"{API}/partners/announcements", json={"text": "   "}, headers=admin.headers
        ),
        422,
    )
    response = await client.post(
        f"{API}/partners/announcements",
        json={"text": "Our **assembly** is on Friday."},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["inboxes"] == 1
    async with ctx.session() as db:
        inboxes = list(await db.scalars(select(Delivery.inbox_url).order_by(Delivery.id)))
    assert inboxes[-1] == "https://partner.example/inbox"  # the shared inbox, folded

    note_path = body["object_id"].removeprefix("http://testserver")
    note = (await client.get(note_path, headers=AS2)).json()
    assert note["type"] == "Note" and "<strong>assembly</strong>" in note["content"]
    assert (await client.get(note_path)).status_code == 303
    assert (await client.get("/notes/unknown", headers=AS2)).status_code == 404

    outbox: dict[str, Any] = (await client.get("/actors/coop/outbox", headers=AS2)).json()
    assert outbox["totalItems"] == 1  # the Accept is not public; the announcement is
    page = (await client.get(outbox["first"], headers=AS2)).json()
    assert page["orderedItems"][0]["object"]["id"] == body["object_id"]
    assert (await client.get(f"{API}/partners/feed", headers=member.headers)).json() == []


async def test_public_proposal_is_served_as_a_question_and_published_once(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    admin, _member = people
    await follow_request(ctx)
    public = await open_via_api(client, ctx, admin, title="Open the books", public=True)
    private = await open_via_api(client, ctx, admin, title="Internal matter")
    question = (await client.get(f"/questions/{public['id']}", headers=AS2)).json()
    assert question["type"] == "Question" and question["name"] == "Open the books"
    assert [o["name"] for o in question["oneOf"]] == ["Yes", "No", "Abstain"]
    assert (await client.get(f"/questions/{private['id']}", headers=AS2)).status_code == 404
    assert (await client.get("/questions/999", headers=AS2)).status_code == 404
    assert await outbox_types(ctx) == ["Accept", "Create"]
    async with ctx.session() as db:
        creates = await db.scalar(
            select(func.count())
            .select_from(OutboxActivity)
            .where(OutboxActivity.activity_type == "Create")
        )
    assert creates == 1


async def test_an_approval_question_carries_its_options_and_after_close_their_counts(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    admin, member = people
    await follow_request(ctx)
    opened = await open_via_api(
        client,
        ctx,
        admin,
        kind="choice",
        title="Pick a name",
        options=["Frame", "Think"],
        public=True,
    )
    question = (await client.get(f"/questions/{opened['id']}", headers=AS2)).json()
    # At most one choice: shown as a single-answer poll.
    assert [o["name"] for o in question["oneOf"]] == ["Frame", "Think"]
    for who in (admin, member):
        cast = await vote(client, who, opened["id"], {"approve": ["o2"]})
        assert cast.status_code in (200, 201), cast.text
    clock.advance(73 * HOUR)
    await run_worker(ctx)
    closed = (await client.get(f"/questions/{opened['id']}", headers=AS2)).json()
    assert [o["replies"]["totalItems"] for o in closed["oneOf"]] == [0, 2]
    assert closed["votersCount"] == 2 and "closed" in closed
    assert await outbox_types(ctx) == ["Accept", "Create", "Update"]
    async with ctx.session() as db:
        update = await db.scalar(
            select(OutboxActivity.payload).where(OutboxActivity.activity_type == "Update")
        )
    assert update is not None and update["object"] == {
        k: v for k, v in closed.items() if k != "@context"
    }
