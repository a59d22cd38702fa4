"""Inbox items processed by type (``coopfed.federation_jobs.ProcessInbox``), in one instance.

Items are stored as the inbox stores a verified activity; the remote actor is known as it is
after its key was fetched. Each handler checks that the sender may do what it claims.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coopfed.context import AppContext
from coopfed.federation_jobs import ProcessInbox
from federation import inbox
from federation.actor import LocalUrls
from federation.delivery.model import Delivery
from federation.feed.model import RemoteObject
from federation.follow import service as follows
from federation.follow.model import Follower, Following, FollowState
from federation.models import InboxItem, InboxStatus, OutboxActivity, RemoteActor
from federation.policy import FederationPolicy
from federation.remote import as_to_remote_actor, store_actor
from governance.clock import ManualClock
from tests.integration.federation.conftest import fixture, retarget

PARTNER = "https://partner.example/actors/coop"
OTHER = "https://other.example/users/mallory"
US = "http://testserver/actors/coop"


async def know(ctx: AppContext, uri: str) -> None:
    host = uri.split("/")[2]
    async with ctx.session() as db:
        db.add(
            RemoteActor(
                uri=uri,
                host=host,
                actor_type="Organization",
                inbox=f"{uri}/inbox",
                shared_inbox=f"https://{host}/inbox",
                document={"id": uri},
                fetched_at=ctx.clock.now(),
            )
        )
        await db.commit()


async def receive(ctx: AppContext, activity: dict[str, Any]) -> int:
    async with ctx.session() as db:
        stored = await inbox.store(
            db,
            activity_id=activity["id"],
            activity_type=activity["type"],
            actor=activity["actor"],
            payload=activity,
            recipient=None,
            key_id=activity["actor"] + "#main-key",
            signature_scheme="rfc9421",
            now=ctx.clock.now(),
        )
        await db.commit()
    assert stored.item_id is not None
    await ProcessInbox().run_once(ctx)
    return stored.item_id


async def item(ctx: AppContext, item_id: int) -> InboxItem:
    async with ctx.session() as db:
        found = await db.get(InboxItem, item_id)
        assert found is not None
        return found


async def sent(ctx: AppContext, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
    async with ctx.session() as db:
        rows = list(
            await db.scalars(
                select(OutboxActivity)
                .where(OutboxActivity.activity_type == kind)
                .order_by(OutboxActivity.id)
            )
        )
        out = []
        for row in rows:
            inboxes = list(
                await db.scalars(select(Delivery.inbox_url).where(Delivery.outbox_id == row.id))
            )
            out.append((row.payload, inboxes))
        return out


def follow(actor: str, n: int = 1, target: str = US) -> dict[str, Any]:
    host = actor.split("/")[2]
    return {"id": f"https://{host}/follows/{n}", "type": "Follow", "actor": actor, "object": target}


async def test_follow__auto_accepted_answers_with_the_follow_embedded(ctx: AppContext) -> None:
    await know(ctx, PARTNER)
    done = await receive(ctx, follow(PARTNER))
    assert (await item(ctx, done)).status is InboxStatus.DONE
    async with ctx.session() as db:
        row = await db.scalar(select(Follower))
        assert row is not None and row.state is FollowState.ACCEPTED
        assert row.shared_inbox_url == "https://partner.example/inbox"
    [(accept, inboxes)] = await sent(ctx, "Accept")
    assert inboxes == [f"{PARTNER}/inbox"]
    assert accept["actor"] == US
    assert accept["object"] == {
        "id": "https://partner.example/follows/1",
        "type": "Follow",
        "actor": PARTNER,
        "object": US,
    }


async def test_follow__waits_for_an_admin_when_auto_accept_is_off(
    ctx: AppContext, clock: ManualClock
) -> None:
    await know(ctx, PARTNER)
    async with ctx.session() as db:
        await FederationPolicy().set_auto_accept_follows(db, False, by=None, now=clock.now())
        await db.commit()
    await receive(ctx, follow(PARTNER))
    assert await sent(ctx, "Accept") == []
    async with ctx.session() as db:
        row = await db.scalar(select(Follower))
        assert row is not None and row.state is FollowState.PENDING
        await follows.approve(
            db, row.id, urls=LocalUrls.of("http://testserver"), now=clock.now(), by=None
        )
        await db.commit()
    assert len(await sent(ctx, "Accept")) == 1


async def test_follow__of_a_member_or_another_server_is_recorded_failed(ctx: AppContext) -> None:
    await know(ctx, PARTNER)
    member = await receive(ctx, follow(PARTNER, 1, "http://testserver/actors/alice"))
    foreign = await receive(ctx, follow(PARTNER, 2, "https://elsewhere.example/actors/coop"))
    assert (await item(ctx, member)).status is InboxStatus.FAILED
    assert "only the co-op" in ((await item(ctx, member)).error or "")
    assert "not an actor of this instance" in ((await item(ctx, foreign)).error or "")


async def test_undo__removes_the_follower_only_when_its_own_follow(ctx: AppContext) -> None:
    await know(ctx, PARTNER)
    await know(ctx, OTHER)
    await receive(ctx, follow(PARTNER))
    forged = await receive(
        ctx,
        {
            "id": "https://other.example/undo/1",
            "type": "Undo",
            "actor": OTHER,
            "object": follow(PARTNER),
        },
    )
    assert (await item(ctx, forged)).status is InboxStatus.FAILED
    await receive(
        ctx,
        {
            "id": "https://partner.example/undo/1",
            "type": "Undo",
            "actor": PARTNER,
            "object": follow(PARTNER),
        },
    )
    async with ctx.session() as db:
        assert await db.scalar(select(Follower)) is None


async def we_follow(ctx: AppContext, clock: ManualClock) -> Following:
    async with ctx.session() as db:
        row = await follows.follow(
            db,
            follows.FollowTarget(PARTNER, f"{PARTNER}/inbox", "@coop@partner.example"),
            urls=LocalUrls.of("http://testserver"),
            now=clock.now(),
        )
        await db.commit()
        return row


async def test_accept__only_from_the_actor_we_asked(ctx: AppContext, clock: ManualClock) -> None:
    row = await we_follow(ctx, clock)
    [(sent_follow, inboxes)] = await sent(ctx, "Follow")
    assert sent_follow["object"] == PARTNER and inboxes == [f"{PARTNER}/inbox"]
    wrong = await receive(
        ctx,
        {
            "id": "https://other.example/a/1",
            "type": "Accept",
            "actor": OTHER,
            "object": sent_follow,
        },
    )
    unknown = await receive(
        ctx,
        {
            "id": "https://partner.example/a/0",
            "type": "Accept",
            "actor": PARTNER,
            "object": "http://testserver/activities/not-ours",
        },
    )
    assert "may not accept" in ((await item(ctx, wrong)).error or "")
    assert "not a Follow we sent" in ((await item(ctx, unknown)).error or "")
    await receive(
        ctx,
        {
            "id": "https://partner.example/a/1",
            "type": "Accept",
            "actor": PARTNER,
            "object": row.follow_activity_id,
        },
    )
    async with ctx.session() as db:
        state = await db.scalar(select(Following.state))
    assert state is FollowState.ACCEPTED


def question(n: int = 1, actor: str = PARTNER, closed: bool = False) -> dict[str, Any]:
    host = actor.split("/")[2]
    doc: dict[str, Any] = {
        "id": f"https://{host}/questions/{n}",
        "type": "Question",
        "attributedTo": actor,
        "name": "Buy a van?",
        "content": "<p>For deliveries <script>x</script></p>",
        "oneOf": [
            {
                "type": "Note",
                "name": "Yes",
                "replies": {"type": "Collection", "totalItems": 3 if closed else 0},
            },
            {
                "type": "Note",
                "name": "No",
                "replies": {"type": "Collection", "totalItems": 1 if closed else 0},
            },
        ],
        "endTime": "2026-11-28T12:00:00Z",
    }
    if closed:
        doc["closed"] = "2026-11-28T12:00:00Z"
    return doc


async def test_create_update_delete__of_a_partner_question(
    ctx: AppContext, clock: ManualClock
) -> None:
    await know(ctx, OTHER)
    not_partner = await receive(
        ctx,
        {
            "id": "https://other.example/c/1",
            "type": "Create",
            "actor": OTHER,
            "object": question(9, OTHER),
        },
    )
    assert "not a co-op this instance follows" in ((await item(ctx, not_partner)).error or "")
    row = await we_follow(ctx, clock)
    await receive(
        ctx,
        {
            "id": "https://partner.example/a/1",
            "type": "Accept",
            "actor": PARTNER,
            "object": row.follow_activity_id,
        },
    )
    await receive(
        ctx,
        {
            "id": "https://partner.example/c/1",
            "type": "Create",
            "actor": PARTNER,
            "object": question(),
        },
    )
    forged = question()
    forged["attributedTo"] = OTHER
    stolen = await receive(
        ctx,
        {"id": "https://partner.example/u/0", "type": "Update", "actor": PARTNER, "object": forged},
    )
    assert "attributed to" in ((await item(ctx, stolen)).error or "")
    await receive(
        ctx,
        {
            "id": "https://partner.example/u/1",
            "type": "Update",
            "actor": PARTNER,
            "object": question(closed=True),
        },
    )
    async with ctx.session() as db:
        stored = await db.scalar(select(RemoteObject))
        assert stored is not None
        assert stored.payload["oneOf"][0]["replies"]["totalItems"] == 3
        assert stored.updated_at is not None
    other_delete = await receive(
        ctx,
        {
            "id": "https://other.example/d/1",
            "type": "Delete",
            "actor": OTHER,
            "object": question()["id"],
        },
    )
    assert "may not delete" in ((await item(ctx, other_delete)).error or "")
    await receive(
        ctx,
        {
            "id": "https://partner.example/d/1",
            "type": "Delete",
            "actor": PARTNER,
            "object": {"id": question()["id"], "type": "Tombstone"},
        },
    )
    async with ctx.session() as db:
        assert await db.scalar(select(RemoteObject.deleted)) is True


async def test_unknown_type__is_recorded_failed_with_a_clear_error(ctx: AppContext) -> None:
    liked = await receive(
        ctx, {"id": "https://partner.example/l/1", "type": "Like", "actor": PARTNER, "object": US}
    )
    found = await item(ctx, liked)
    assert found.status is InboxStatus.FAILED
    assert "no handler for activity type 'Like'" in (found.error or "")


async def test_a_mastodon_follow_is_accepted_with_the_follow_mastodon_sent(
    ctx: AppContext,
) -> None:
    actor = as_to_remote_actor(fixture("actor"))
    async with ctx.session() as db:
        await store_actor(db, actor, now=ctx.clock.now())
        await db.commit()
    follow_activity = retarget(fixture("follow"), "https://mastodon.example", "http://testserver")
    follow_activity["actor"] = actor.uri
    done = await receive(ctx, follow_activity)
    assert (await item(ctx, done)).status is InboxStatus.DONE
    [(accept, inboxes)] = await sent(ctx, "Accept")
    assert inboxes == [actor.inbox]
    assert accept["object"] == {k: v for k, v in follow_activity.items() if k != "@context"}
