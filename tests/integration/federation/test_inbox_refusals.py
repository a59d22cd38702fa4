"""A live instance's inbox over real HTTP, with requests signed by real key pairs that a peer on
loopback publishes in Mastodon-shaped actor documents.

Every forgery is refused with its status, and stores nothing; the accepted schemes (RFC 9421
with ed25519 and rsa-v1_5-sha256, draft-cavage with rsa-sha256 and hs2019) store the activity
once, however often it is delivered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from coopfed.context import build_context
from coopfed.settings import Settings
from federation.httpsig import HttpMessage, PrivateKey, cavage
from federation.httpsig.digest import content_digest_header, digest_header
from federation.httpsig.httpdate import format_http_date
from federation.models import InboxStatus
from governance.clock import ManualClock
from tests.live import LiveServer

from .conftest import (
    Peer,
    error_code,
    fixture,
    follow_from,
    post,
    retarget,
    sign,
    stored,
)


def body_of(activity: dict[str, object]) -> bytes:
    return json.dumps(activity).encode()


async def assert_nothing_stored(live: LiveServer) -> None:
    assert await stored(live.settings) == []


def alice(peer: Peer) -> PrivateKey:
    return peer.actors["alice"].rsa


# --- accepted ------------------------------------------------------------------------------


async def test_rfc9421_ed25519__is_accepted(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live, serial="ed25519")
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        peer.actors["alice"].ed25519,
        peer.ed25519_key_id("alice"),
        at=clock.now(),
        scheme="rfc9421",
    )
    response = await http.send(request)
    assert response.status_code == 202, response.text
    [item] = await stored(live.settings)
    assert item.activity_id == activity["id"]
    assert (item.activity_type, item.actor) == ("Follow", peer.actor_id("alice"))
    assert item.key_id == peer.ed25519_key_id("alice")
    assert item.signature_scheme == "rfc9421"
    assert item.status is InboxStatus.PENDING
    assert item.payload == activity


async def test_rfc9421_rsa__is_accepted(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live, serial="rfc9421-rsa")
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
        scheme="rfc9421",
    )
    response = await http.send(request)
    assert response.status_code == 202, response.text
    [item] = await stored(live.settings)
    assert item.signature_scheme == "rfc9421"


async def test_cavage_rsa_sha256__a_mastodon_create_note_is_accepted(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = retarget(fixture("create_note"), f"{peer.url}", live.url)
    activity["actor"] = peer.actor_id("alice")  # the fixture's /users/alice, on the peer
    request = sign(
        post(f"{live.url}/actors/coop/inbox", body_of(activity)),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
        scheme="cavage",
        cavage_algorithm="rsa-sha256",
    )
    assert 'algorithm="rsa-sha256"' in request.headers["signature"]
    response = await http.send(request)
    assert response.status_code == 202, response.text
    [item] = await stored(live.settings)
    assert (item.activity_type, item.recipient) == ("Create", "coop")
    assert item.signature_scheme == "cavage"
    assert item.payload["object"]["type"] == "Note"


@pytest.mark.parametrize("key_kind", ["rsa", "ed25519"])
async def test_cavage_hs2019__is_accepted(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient, key_kind: str
) -> None:
    actor = peer.actors["bob"]
    key, key_id = (
        (actor.rsa, peer.rsa_key_id("bob"))
        if key_kind == "rsa"
        else (actor.ed25519, peer.ed25519_key_id("bob"))
    )
    request = sign(
        post(f"{live.url}/inbox", body_of(follow_from(peer, "bob", live, serial=key_kind))),
        key,
        key_id,
        at=clock.now(),
        scheme="cavage",
        cavage_algorithm="hs2019",
    )
    assert 'algorithm="hs2019"' in request.headers["signature"]
    response = await http.send(request)
    assert response.status_code == 202, response.text
    assert len(await stored(live.settings)) == 1


async def test_a_duplicate_delivery__is_accepted_and_stored_once(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live, serial="dup")
    for attempt in range(3):
        clock.advance(timedelta(seconds=30))  # a retry, re-signed, a little later
        request = sign(
            post(f"{live.url}/inbox", body_of(activity)),
            alice(peer),
            peer.rsa_key_id("alice"),
            at=clock.now(),
            scheme="cavage" if attempt % 2 else "rfc9421",
        )
        response = await http.send(request)
        assert response.status_code == 202, response.text
    [item] = await stored(live.settings)
    assert item.activity_id == activity["id"]


async def test_an_unknown_local_actor__is_404_and_stores_nothing(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    request = sign(
        post(f"{live.url}/actors/nobody/inbox", body_of(follow_from(peer, "alice", live))),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 404
    await assert_nothing_stored(live)


# --- refused -------------------------------------------------------------------------------


async def test_no_signature__is_401(live: LiveServer, peer: Peer, http: httpx.AsyncClient) -> None:
    response = await http.send(post(f"{live.url}/inbox", body_of(follow_from(peer, "alice", live))))
    assert response.status_code == 401
    assert error_code(response) == "no_signature"
    await assert_nothing_stored(live)


async def test_an_unknown_key__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live)
    activity["actor"] = peer.actor_id("nobody")
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        PrivateKey.generate_ed25519(),
        peer.rsa_key_id("nobody"),  # the peer answers 404 for this actor
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "unknown_key"
    assert "404" in response.json()["error"]["message"]
    await assert_nothing_stored(live)


async def test_a_key_of_another_actor__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live)  # claims to be alice
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        peer.actors["bob"].rsa,  # signed by bob, with bob's real key
        peer.rsa_key_id("bob"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "key_owner_mismatch"
    await assert_nothing_stored(live)


async def test_a_tampered_body__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live)
    signed = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
        scheme="cavage",
    )
    tampered_activity = {**activity, "object": f"{live.url}/actors/somebody-else"}
    headers = {k: v for k, v in signed.headers.items() if k.lower() != "content-length"}
    tampered = httpx.Request(
        "POST", signed.url, headers=headers, content=body_of(tampered_activity)
    )
    response = await http.send(tampered)
    assert response.status_code == 401
    assert error_code(response) == "digest_mismatch"
    await assert_nothing_stored(live)


async def test_a_digest_that_is_not_signed__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    body = body_of(follow_from(peer, "alice", live))
    request = post(f"{live.url}/inbox", body)
    request.headers["Date"] = format_http_date(clock.now())
    request.headers["Host"] = request.url.netloc.decode("ascii")
    request.headers["Digest"] = digest_header(body)
    request.headers["Content-Digest"] = content_digest_header(body)
    message = HttpMessage.request("POST", str(request.url), request.headers)
    request.headers["Signature"] = cavage.sign(
        message, alice(peer), peer.rsa_key_id("alice"), ("(request-target)", "host", "date")
    )
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "digest_not_signed"
    await assert_nothing_stored(live)


async def test_a_date_outside_the_window__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    request = sign(
        post(f"{live.url}/inbox", body_of(follow_from(peer, "alice", live))),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now() + timedelta(minutes=10),  # the sender's clock runs ahead
        scheme="cavage",
    )
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "date_out_of_window"
    await assert_nothing_stored(live)


async def test_a_replayed_request_with_an_old_date__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    # A correctly signed request, captured on the way and sent again six minutes later.
    captured = sign(
        post(f"{live.url}/inbox", body_of(follow_from(peer, "alice", live))),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    clock.advance(timedelta(minutes=6))
    replay = httpx.Request("POST", captured.url, headers=captured.headers, content=captured.content)
    response = await http.send(replay)
    assert response.status_code == 401
    assert error_code(response) == "date_out_of_window"
    await assert_nothing_stored(live)


async def test_an_unsupported_algorithm__is_401(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    request = sign(
        post(f"{live.url}/inbox", body_of(follow_from(peer, "alice", live))),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
        scheme="cavage",
        cavage_algorithm="rsa-sha256",
    )
    request.headers["Signature"] = request.headers["Signature"].replace(
        'algorithm="rsa-sha256"', 'algorithm="rsa-sha1"'
    )
    fetches = peer.fetches_of("alice")
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "unsupported_algorithm"
    assert peer.fetches_of("alice") == fetches  # refused before any key was fetched
    await assert_nothing_stored(live)


async def test_a_key_on_a_blocked_host__is_403_before_any_fetch(
    settings: Settings,
    make_live: object,
    peer: Peer,
    clock: ManualClock,
    http: httpx.AsyncClient,
) -> None:
    ctx = build_context(settings)
    try:
        async with ctx.session() as db:
            await ctx.policy.block(db, "localhost", note="test", by=None, now=clock.now())
            await db.commit()
    finally:
        await ctx.dispose()
    live = make_live()  # type: ignore[operator]
    # The same peer, named by another host name: localhost.
    base = peer.url.replace("127.0.0.1", "localhost")
    activity = follow_from(peer, "carol", live)
    activity.update(actor=peer.actor_id("carol", base=base), id=f"{base}/activities/1")
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        peer.actors["carol"].rsa,
        peer.rsa_key_id("carol", base=base),
        at=clock.now(),
    )
    fetches = peer.fetches_of("carol")
    response = await http.send(request)
    assert response.status_code == 403
    assert error_code(response) == "blocked_host"
    assert peer.fetches_of("carol") == fetches
    await assert_nothing_stored(live)


async def test_a_key_on_a_private_host_not_allow_listed__is_401_and_never_fetched(
    make_live: object, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    live = make_live(federation_allow_networks=())  # type: ignore[operator]
    request = sign(
        post(f"{live.url}/inbox", body_of(follow_from(peer, "carol", live))),
        peer.actors["carol"].rsa,
        peer.rsa_key_id("carol"),  # on 127.0.0.1: loopback, and not allow-listed here
        at=clock.now(),
    )
    fetches = peer.fetches_of("carol")
    response = await http.send(request)
    assert response.status_code == 401
    assert error_code(response) == "unknown_key"
    assert "loopback" in response.json()["error"]["message"]
    assert peer.fetches_of("carol") == fetches
    await assert_nothing_stored(live)


async def test_an_oversized_body__is_413(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live)
    activity["padding"] = "x" * live.settings.inbox_max_bytes
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 413
    assert error_code(response) == "body_too_large"
    await assert_nothing_stored(live)


async def test_an_oversized_chunked_body__is_413(
    live: LiveServer, peer: Peer, http: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b" " * 65536  # 17 × 64 KiB > 1 MiB, with no Content-Length

    response = await http.post(
        f"{live.url}/inbox", content=chunks(), headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == 413
    await assert_nothing_stored(live)


async def test_a_body_over_the_form_limit_but_within_the_inbox_limit__is_read(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    activity = follow_from(peer, "alice", live, serial="big")
    activity["summary"] = "x" * (live.settings.max_form_bytes + 1)
    request = sign(
        post(f"{live.url}/inbox", body_of(activity)),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 202, response.text
    assert len(await stored(live.settings)) == 1


async def test_a_wrong_content_type__is_415(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    request = sign(
        post(
            f"{live.url}/inbox",
            body_of(follow_from(peer, "alice", live)),
            content_type="application/json",
        ),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    await assert_nothing_stored(live)


async def test_a_body_that_is_not_json__is_400(
    live: LiveServer, peer: Peer, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    request = sign(
        post(f"{live.url}/inbox", b"{this is not json"),
        alice(peer),
        peer.rsa_key_id("alice"),
        at=clock.now(),
    )
    response = await http.send(request)
    assert response.status_code == 400
    assert error_code(response) == "invalid_json"
    await assert_nothing_stored(live)
