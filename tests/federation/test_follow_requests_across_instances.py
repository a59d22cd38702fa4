"""Follow requests between live instances: manual approval, rejection, unfollowing and removing
a follower; and the refusals: an unknown handle, following yourself, following twice, and an
Accept sent by a co-op that was not asked."""

from __future__ import annotations

from coopfed.context import AppContext
from federation import vocabulary
from federation.delivery import outbox
from federation.follow.model import FollowState
from federation.keys import INSTANCE_ACTOR
from federation.models import InboxItem, InboxStatus
from tests.federation.conftest import Network, Node, post_form
from tests.federation.stories import (
    follow,
    followers_of,
    following_of,
    inbox_of,
    settle,
)

AS2 = {"Accept": "application/activity+json"}


def manual_approval(node: Node) -> None:
    assert node.admin is not None
    response = post_form(node.admin, "/partners/settings", {}, page="/partners")
    assert response.status_code == 303, response.text


def press(node: Node, action: str, follower_id: int) -> None:
    assert node.admin is not None
    response = post_form(
        node.admin, f"/partners/followers/{follower_id}/{action}", {}, page="/partners"
    )
    assert response.status_code == 303, response.text


def test_follow_request_waits_for_approval_then_is_accepted(network: Network) -> None:
    a, b, _c = network.nodes
    assert b.admin is not None
    manual_approval(b)
    assert b.admin.get("/actors/coop", headers=AS2).json()["manuallyApprovesFollowers"] is True

    follow(a, b)
    settle(a, b, rounds=3)
    [request] = followers_of(b)
    assert request.state is FollowState.PENDING
    assert following_of(a)[0].state is FollowState.PENDING
    page = b.admin.get("/partners")
    assert f"/partners/followers/{request.id}/approve" in page.text

    press(b, "approve", request.id)
    settle(b, a)
    assert followers_of(b)[0].state is FollowState.ACCEPTED
    assert following_of(a)[0].state is FollowState.ACCEPTED


def test_rejected_request_and_a_new_request_after_it(network: Network) -> None:
    _a, b, c = network.nodes
    manual_approval(b)
    follow(c, b)
    settle(c, b)
    [request] = followers_of(b)
    press(b, "reject", request.id)
    settle(b, c)
    assert followers_of(b)[0].state is FollowState.REJECTED
    assert following_of(c)[0].state is FollowState.REJECTED

    # A refused co-op may ask again; the request waits again.
    assert follow(c, b).status_code == 303
    settle(c, b)
    assert followers_of(b)[0].state is FollowState.PENDING
    assert following_of(c)[0].state is FollowState.PENDING


def test_unfollow_and_remove_follower(network: Network) -> None:
    a, b, c = network.nodes
    assert a.admin is not None
    follow(a, b)
    follow(c, b)
    settle(a, c, b, rounds=3)
    assert len(followers_of(b)) == 2

    # A unfollows B: Undo{Follow}; B forgets A.
    response = post_form(a.admin, "/partners/unfollow", {"actor": b.actor}, page="/partners")
    assert response.status_code == 303, response.text
    assert following_of(a) == []
    settle(a, b)
    assert [f.actor_uri for f in followers_of(b)] == [c.actor]

    # B removes C: Reject of C's Follow; C sees it refused.
    press(b, "remove", followers_of(b)[0].id)
    settle(b, c)
    assert followers_of(b) == []
    assert following_of(c)[0].state is FollowState.REJECTED
    assert {i.status for i in inbox_of(b)} == {InboxStatus.DONE}


def test_refusals_unknown_handle_yourself_twice(network: Network) -> None:
    a, b, _c = network.nodes
    assert a.admin is not None

    unknown = follow(a, b, handle=f"@nobody@{b.domain}")
    assert unknown.status_code == 404
    assert "No co-op answers to @nobody@" in unknown.text

    not_a_handle = follow(a, b, handle="coop at somewhere")
    assert not_a_handle.status_code == 422

    yourself = follow(a, a)
    assert yourself.status_code == 422
    assert "cannot follow itself" in yourself.text
    by_url = follow(a, a, handle=a.actor)
    assert by_url.status_code == 422

    assert follow(a, b).status_code == 303
    twice = follow(a, b)
    assert twice.status_code == 409
    assert "already follows" in twice.text
    assert len(following_of(a)) == 1


def test_accept_from_a_co_op_that_was_not_asked_is_refused(network: Network) -> None:
    a, b, c = network.nodes
    follow(a, b)
    [asked] = following_of(a)

    # C (genuinely signed, but not the co-op A asked) sends A an Accept of A's Follow to B.
    async def forged_accept(ctx: AppContext) -> None:
        their_follow = vocabulary.follow_to_as(
            asked.follow_activity_id, actor=a.actor, target=b.actor
        )
        accept = vocabulary.accept_to_as(
            f"{c.url}/activities/forged-accept", actor=c.actor, follow=their_follow
        )
        async with ctx.session() as db:
            await outbox.publish(
                db,
                actor=INSTANCE_ACTOR,
                activity=accept,
                inboxes=[f"{a.url}/actors/coop/inbox"],
                now=ctx.clock.now(),
                public=False,
            )
            await db.commit()

    c.call(forged_accept)
    settle(c, a, rounds=1)
    [item] = inbox_of(a, InboxItem.actor == c.actor)
    assert item.status is InboxStatus.FAILED
    assert f"{c.actor} may not accept a Follow sent to {b.actor}" in (item.error or "")
    assert following_of(a)[0].state is FollowState.PENDING

    # The admin sees it on the federation page, with its error.
    assert a.admin is not None
    page = a.admin.get("/admin/federation")
    assert "may not accept a Follow" in page.text
