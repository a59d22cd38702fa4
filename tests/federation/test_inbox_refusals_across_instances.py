"""Posts to B's inbox signed with A's real key, over real HTTP: the genuine one is accepted;
forged, tampered, replayed and oversized ones are refused with their status and store nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from coopfed.context import AppContext
from federation import keys
from federation.httpsig import PrivateKey, sign_httpx_request
from federation.models import InboxItem
from tests.federation.conftest import Network, Node
from tests.federation.stories import count, inbox_of, settle

AS2 = "application/activity+json"


def key_of(node: Node) -> PrivateKey:
    async def work(ctx: AppContext) -> str:
        async with ctx.session() as db:
            current = await keys.current(db, keys.INSTANCE_ACTOR)
            return current[keys.KeyType.RSA].private_pem

    return PrivateKey.from_pem(node.call(work))


def note_from(sender: Node, serial: str, *, actor: str | None = None) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.url}/activities/test-{serial}",
        "type": "Follow",
        "actor": actor or sender.actor,
        "object": "http://unused.example/actors/coop",
    }


def signed(
    sender: Node, to: Node, body: bytes, *, at: datetime, sign_body: bytes | None = None
) -> httpx.Request:
    """A POST to ``to``'s shared inbox signed as ``sender``'s co-op (over ``sign_body`` when
    given: the body is then swapped after signing)."""
    request = httpx.Request(
        "POST", f"{to.url}/inbox", content=sign_body or body, headers={"Content-Type": AS2}
    )
    sign_httpx_request(request, key_of(sender), f"{sender.actor}#main-key", now=at)
    if sign_body is not None:
        headers = dict(request.headers)
        headers["content-length"] = str(len(body))
        request = httpx.Request("POST", request.url, content=body, headers=headers)
    return request


def stored_in(node: Node) -> int:
    return count(node, InboxItem)


def test_forged_tampered_replayed_and_oversized_posts_are_refused(network: Network) -> None:
    a, b, c = network.nodes
    now = a.clock.now()
    with httpx.Client(timeout=30) as http:
        before = stored_in(b)

        # Forged: A's key, but the activity claims to be C's.
        forged = json.dumps(note_from(a, "forged", actor=c.actor)).encode()
        response = http.send(signed(a, b, forged, at=now))
        assert response.status_code in (401, 403), response.text
        assert stored_in(b) == before

        # Tampered: signed over one body, another one sent.
        genuine = json.dumps(note_from(a, "tampered")).encode()
        changed = genuine.replace(b"unused.example", b"other.example")
        response = http.send(signed(a, b, changed, at=now, sign_body=genuine))
        assert response.status_code == 401, response.text
        assert stored_in(b) == before

        # Replayed: a genuine request signed ten minutes ago (outside the 5-minute window).
        old = json.dumps(note_from(a, "replayed")).encode()
        response = http.send(signed(a, b, old, at=now - timedelta(minutes=10)))
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "date_out_of_window"
        assert stored_in(b) == before

        # Oversized: more than the 1 MiB an inbox accepts.
        big = note_from(a, "big")
        big["padding"] = "x" * (1024 * 1024)
        response = http.send(signed(a, b, json.dumps(big).encode(), at=now))
        assert response.status_code == 413, response.text
        assert stored_in(b) == before

        # The same request, genuine and in time, is accepted once, however often it comes.
        fine = json.dumps(note_from(a, "fine")).encode()
        request = signed(a, b, fine, at=now)
        assert http.send(request).status_code == 202
        assert http.send(signed(a, b, fine, at=now)).status_code == 202
        assert stored_in(b) == before + 1

        # Replaying that accepted request once the window has passed is refused too.
        b.clock.advance(timedelta(minutes=6))
        replay = httpx.Request("POST", request.url, content=fine, headers=request.headers)
        assert http.send(replay).status_code == 401
        assert stored_in(b) == before + 1

    # The stored Follow names no actor of B: processing records it failed, with the reason.
    settle(b)
    [item] = inbox_of(b, InboxItem.activity_id.endswith("test-fine"))
    assert item.error is not None and "not an actor of this instance" in item.error
