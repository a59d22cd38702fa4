"""C follows B, then goes down while B opens and closes a public proposal. B keeps retrying;
once C is back and the retry time has come (the clock moved), C receives the Question and its
result, each exactly once, while A, up all along, got them at once."""

from __future__ import annotations

from datetime import timedelta

from federation.delivery.model import Delivery, DeliveryStatus
from federation.follow.model import FollowState
from federation.models import InboxItem, InboxStatus
from tests.federation.conftest import Network
from tests.federation.stories import (
    VOTING,
    count,
    feed_of,
    follow,
    followers_of,
    inbox_of,
    open_public_proposal,
    pending_deliveries,
    rows,
    settle,
    vote_yes,
)


def test_a_follower_that_was_down_receives_everything_exactly_once(network: Network) -> None:
    a, b, c = network.nodes
    follow(a, b)
    follow(c, b)
    settle(a, b, c)
    assert [f.state for f in followers_of(b)] == [FollowState.ACCEPTED, FollowState.ACCEPTED]

    c.stop()
    proposal_id = open_public_proposal(b, "Pool our on-call rota")
    settle(b, a, rounds=2)
    assert len(feed_of(a)) == 1
    # Delivery to C failed and waits for its next attempt; nothing is given up.
    to_c = rows(b, Delivery, Delivery.inbox_url == f"{c.url}/inbox")
    assert to_c and all(d.status is DeliveryStatus.PENDING for d in to_c)
    assert all(d.attempts >= 1 and d.last_error for d in to_c)

    vote_yes(b, proposal_id)
    b.clock.advance(VOTING)
    settle(b, a, rounds=2)
    assert feed_of(a)[0].payload.get("closed")
    assert pending_deliveries(b) == 2  # the Create and the Update, both for C

    c.start()
    b.clock.advance(timedelta(hours=7))  # past the longest backoff step and breaker pause
    settle(b, c, rounds=3)
    assert pending_deliveries(b) == 0
    delivered = rows(b, Delivery, Delivery.inbox_url == f"{c.url}/inbox")
    assert {d.status for d in delivered} == {DeliveryStatus.DELIVERED}

    [question] = feed_of(c)
    assert question.object_uri == f"{b.url}/questions/{proposal_id}"
    assert question.payload.get("closed")
    assert [o["replies"]["totalItems"] for o in question.payload["oneOf"]] == [1, 0, 0]
    from_b = inbox_of(c, InboxItem.actor == b.actor)
    assert sorted(item.activity_type for item in from_b) == ["Accept", "Create", "Update"]
    assert {item.status for item in from_b} == {InboxStatus.DONE}

    # More rounds send nothing again.
    settle(b, c, rounds=2)
    assert count(c, InboxItem, InboxItem.actor == b.actor) == 3
