"""The partner co-ops page and the partner feed (one instance, in-process): who sees what,
answering a follow request, the auto-accept switch, announcements, refusals, French."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from starlette.applications import Starlette

from coopfed.context import AppContext
from federation.feed.model import RemoteObject
from federation.follow.model import Follower, FollowState
from federation.models import OutboxActivity
from governance.member import Status
from tests.integration.api.test_partners import PARTNER, follow_request
from tests.integration.web import browser, post, set_up
from tests.integration.web_support import add_member


async def test_members_see_partners_and_only_admins_act(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "bea@example.org", name="Bea")
    await add_member(ctx, "al@example.org", name="Al", status=Status.APPLICANT)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as anon:
        assert (await anon.get("/partners")).headers["location"].startswith("/signin")
    admin_page = await client.get("/partners")
    assert 'action="/partners/follow"' in admin_page.text
    assert "@coop@testserver" in admin_page.text
    async with browser(app, "bea@example.org") as bea, browser(app, "al@example.org") as al:
        page = await bea.get("/partners")
        assert page.status_code == 200
        assert 'action="/partners/follow"' not in page.text
        assert 'href="/partners"' in page.text  # in the navigation
        refused = await post(
            bea, "/partners/follow", {"handle": "@coop@x.example"}, page="/partners"
        )
        assert refused.status_code == 403
        assert (await al.get("/partners")).status_code == 403
        assert (await al.get("/partners/feed")).status_code == 403


async def test_admin_approves_a_follow_request_from_the_page(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    saved = await post(client, "/partners/settings", {}, page="/partners")
    assert saved.status_code == 303
    follower_id = await follow_request(ctx)
    page = await client.get("/partners")
    assert PARTNER in page.text and f"/partners/followers/{follower_id}/approve" in page.text
    approved = await post(
        client, f"/partners/followers/{follower_id}/approve", {}, page="/partners"
    )
    assert approved.status_code == 303
    again = await post(client, f"/partners/followers/{follower_id}/approve", {}, page="/partners")
    assert again.status_code == 409
    assert "not pending" in again.text
    async with ctx.session() as db:
        assert await db.scalar(select(Follower.state)) is FollowState.ACCEPTED


async def test_announcement_form_refuses_an_empty_text_and_publishes_one(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    empty = await post(client, "/partners/announce", {"text": "  "}, page="/partners")
    assert empty.status_code == 422
    assert "Write the announcement before publishing it." in empty.text
    sent = await post(client, "/partners/announce", {"text": "Hello *partners*"}, page="/partners")
    assert sent.status_code == 303
    async with ctx.session() as db:
        [payload] = list(await db.scalars(select(OutboxActivity.payload)))
    assert payload["object"]["content"] == "<p>Hello <em>partners</em></p>\n"


async def test_feed_page_shows_questions_and_notes_and_escapes_their_html(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    empty = await client.get("/partners/feed")
    assert "Nothing yet" in empty.text
    now = ctx.clock.now()
    async with ctx.session() as db:
        db.add(
            RemoteObject(
                object_uri="https://partner.example/notes/1",
                object_type="Note",
                actor_uri=PARTNER,
                payload={
                    "id": "https://partner.example/notes/1",
                    "type": "Note",
                    "attributedTo": PARTNER,
                    "content": "<p>Hi<script>alert(1)</script></p>",
                },
                published_at=now,
                received_at=now,
            )
        )
        await db.commit()
    page = await client.get("/partners/feed")
    assert "<p>Hi</p>" in page.text and "alert(1)" not in page.text
