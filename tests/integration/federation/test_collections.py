"""The co-op's followers, following and outbox as paged OrderedCollections."""

from __future__ import annotations

from httpx import AsyncClient

from coopfed.context import AppContext
from federation.follow.model import Follower, Following, FollowState

AS2 = {"Accept": "application/activity+json"}


async def test_followers_are_paged_with_next_and_prev(client: AsyncClient, ctx: AppContext) -> None:
    now = ctx.clock.now()
    async with ctx.session() as db:
        for n in range(51):
            db.add(
                Follower(
                    local_actor="coop",
                    actor_uri=f"https://p{n}.example/actors/coop",
                    inbox_url=f"https://p{n}.example/actors/coop/inbox",
                    follow_activity_id=f"https://p{n}.example/follows/1",
                    state=FollowState.ACCEPTED,
                    created_at=now,
                )
            )
        db.add(
            Follower(
                local_actor="coop",
                actor_uri="https://waiting.example/actors/coop",
                inbox_url="https://waiting.example/actors/coop/inbox",
                follow_activity_id="https://waiting.example/follows/1",
                state=FollowState.PENDING,
                created_at=now,
            )
        )
        db.add(
            Following(
                local_actor="coop",
                actor_uri="https://asked.example/actors/coop",
                follow_activity_id="http://testserver/activities/f1",
                state=FollowState.PENDING,
                created_at=now,
                updated_at=now,
            )
        )
        await db.commit()
    collection = (await client.get("/actors/coop/followers", headers=AS2)).json()
    assert collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == 51  # accepted followers only
    first = (await client.get(collection["first"], headers=AS2)).json()
    assert len(first["orderedItems"]) == 50 and first["next"].endswith("?page=2")
    second = (await client.get(first["next"], headers=AS2)).json()
    assert second["orderedItems"] == ["https://p50.example/actors/coop"]
    assert "next" not in second and second["prev"].endswith("?page=1")
    following = (await client.get("/actors/coop/following", headers=AS2)).json()
    assert following["totalItems"] == 0  # asked, not accepted yet
    bad = await client.get("/actors/coop/followers?page=0", headers=AS2)
    assert bad.status_code == 400
