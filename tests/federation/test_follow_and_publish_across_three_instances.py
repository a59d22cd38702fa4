"""A follows B; B accepts; B opens a public proposal; A receives the Question; B closes it; A
sees the result on its partner feed page. Three live instances, real HTTP and signatures."""

from __future__ import annotations

from federation.follow.model import FollowState
from federation.models import InboxStatus
from tests.federation.conftest import NODE_A_PG_URL, Network, post_form
from tests.federation.stories import (
    VOTING,
    feed_of,
    follow,
    followers_of,
    following_of,
    inbox_of,
    open_public_proposal,
    settle,
    vote_yes,
)


def test_a_follows_b_and_sees_b_s_public_proposal_and_its_result(network: Network) -> None:
    a, b, c = network.nodes
    assert a.admin is not None and b.admin is not None
    if NODE_A_PG_URL:  # mixed backends: A on PostgreSQL, B and C on SQLite
        assert a.settings.database_url.startswith("postgresql")
        assert not b.settings.database_url and not c.settings.database_url

    response = follow(a, b)
    assert response.status_code == 303, response.text
    [asked] = following_of(a)
    assert (asked.actor_uri, asked.state, asked.handle) == (b.actor, FollowState.PENDING, b.handle)

    settle(a, b)
    [follower] = followers_of(b)
    assert (follower.actor_uri, follower.state) == (a.actor, FollowState.ACCEPTED)
    assert following_of(a)[0].state is FollowState.ACCEPTED
    partners = a.admin.get("/partners")
    assert b.handle in partners.text and "accepted" in partners.text

    # B's collections list A; A's following lists B.
    accept = {"Accept": "application/activity+json"}
    followers = b.admin.get("/actors/coop/followers", headers=accept).json()
    assert followers["totalItems"] == 1
    page = b.admin.get(followers["first"], headers=accept).json()
    assert page["orderedItems"] == [a.actor]
    following = a.admin.get("/actors/coop/following?page=1", headers=accept).json()
    assert following["orderedItems"] == [b.actor]

    proposal_id = open_public_proposal(b, "Share a server rack with partner co-ops")
    settle(b, a, rounds=2)
    [question] = feed_of(a)
    assert question.object_type == "Question"
    assert question.actor_uri == b.actor
    assert question.object_uri == f"{b.url}/questions/{proposal_id}"
    assert [o["name"] for o in question.payload["oneOf"]] == ["Yes", "No", "Abstain"]
    assert "closed" not in question.payload

    # The Question's id answers AS2; a browser is sent to the proposal's page.
    fetched = a.admin.get(question.object_uri, headers=accept)
    assert fetched.json()["id"] == question.object_uri
    assert b.admin.get(question.object_uri).status_code == 303

    feed = a.admin.get("/partners/feed")
    assert "Share a server rack with partner co-ops" in feed.text
    assert "One answer may be chosen" in feed.text

    vote_yes(b, proposal_id)
    b.clock.advance(VOTING)
    settle(b, a, rounds=2)
    [closed] = feed_of(a)
    assert closed.updated_at is not None
    assert closed.payload["closed"]
    assert [o["replies"]["totalItems"] for o in closed.payload["oneOf"]] == [1, 0, 0]
    feed = a.admin.get("/partners/feed")
    assert "Result, closed" in feed.text
    assert "1 ballot" in feed.text

    # Every activity A received was processed; C took no part.
    assert {item.status for item in inbox_of(a)} == {InboxStatus.DONE}
    assert feed_of(c) == [] and followers_of(c) == []


def test_the_partner_feed_page_is_in_french_too(network: Network) -> None:
    a, b, _c = network.nodes
    assert a.admin is not None
    follow(a, b)
    settle(a, b)
    open_public_proposal(b, "Mutualiser un serveur")
    settle(b, a, rounds=2)
    switched = post_form(
        a.admin, "/language", {"language": "fr", "next": "/partners/feed"}, page="/partners/feed"
    )
    assert switched.status_code == 303, switched.text
    feed = a.admin.get("/partners/feed")
    assert "Mutualiser un serveur" in feed.text
    assert '<html lang="fr">' in feed.text
    assert "Fil des partenaires" in feed.text
    assert "Une seule réponse peut être choisie" in feed.text
