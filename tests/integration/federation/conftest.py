"""A remote peer on loopback and a live coopfed instance, for inbox tests over real HTTP.

``peer``: a small Starlette app (uvicorn, its own thread) serving Mastodon-shaped actor
documents for a few actors, each with a real RSA key (``publicKey``) and a real Ed25519 key
(FEP-521a ``assertionMethod``); it records the path of every request it gets.

``make_live``: starts a coopfed instance with ``tests.live.serve_in_thread`` on this test's
database, with ``127.0.0.0/8`` allow-listed and the test's manual clock.

``Sender`` signs activities as a peer actor and POSTs them to a live inbox.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from coopfed.context import build_context
from coopfed.settings import Settings
from federation.httpsig import PrivateKey, Scheme, sign_httpx_request
from federation.models import InboxItem
from federation.multikey import ed25519_multibase, multikey
from governance.clock import ManualClock
from tests.live import LiveServer, serve_asgi_in_thread, serve_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
AS2 = "application/activity+json"
NAMES = ("alice", "bob", "carol")


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return document


@dataclass
class PeerActor:
    rsa: PrivateKey
    ed25519: PrivateKey


@dataclass
class Peer:
    """The remote server: its base URL, its actors' keys, the paths it was asked for."""

    url: str
    actors: dict[str, PeerActor]
    seen: list[str] = field(default_factory=list)

    def actor_id(self, name: str, *, base: str | None = None) -> str:
        return f"{base or self.url}/users/{name}"

    def rsa_key_id(self, name: str, *, base: str | None = None) -> str:
        return f"{self.actor_id(name, base=base)}#main-key"

    def ed25519_key_id(self, name: str, *, base: str | None = None) -> str:
        return f"{self.actor_id(name, base=base)}#ed25519-key"

    def fetches_of(self, name: str) -> int:
        return sum(1 for path in self.seen if path == f"/users/{name}")


def actor_document(base: str, name: str, actor: PeerActor) -> dict[str, Any]:
    """Mastodon's actor shape (the fixture) for ``name`` at ``base``, with both keys."""
    document = fixture("actor")
    actor_id = f"{base}/users/{name}"
    raw_ed25519 = actor.ed25519.public_key.raw
    document.update(
        id=actor_id,
        preferredUsername=name,
        name=name.title(),
        url=f"{base}/@{name}",
        inbox=f"{actor_id}/inbox",
        outbox=f"{actor_id}/outbox",
        followers=f"{actor_id}/followers",
        following=f"{actor_id}/following",
        publicKey={
            "id": f"{actor_id}#main-key",
            "owner": actor_id,
            "publicKeyPem": actor.rsa.public_key.to_pem(),
        },
        assertionMethod=[
            multikey(f"{actor_id}#ed25519-key", actor_id, ed25519_multibase(raw_ed25519))  # type: ignore[arg-type]
        ],
        endpoints={"sharedInbox": f"{base}/inbox"},
    )
    document["@context"] = [*document["@context"], "https://w3id.org/security/multikey/v1"]
    return document


def peer_app(peer_ref: list[Peer]) -> Starlette:
    async def actor(request: Request) -> Response:
        peer = peer_ref[0]
        peer.seen.append(request.url.path)
        name = request.path_params["name"]
        if name not in peer.actors:
            return JSONResponse({"error": "Record not found"}, status_code=404)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(actor_document(base, name, peer.actors[name]), media_type=AS2)

    return Starlette(routes=[Route("/users/{name}", actor, methods=["GET"])])


@pytest.fixture(scope="session")
def peer() -> Iterator[Peer]:
    actors = {
        name: PeerActor(PrivateKey.generate_rsa(), PrivateKey.generate_ed25519()) for name in NAMES
    }
    holder: list[Peer] = []

    async def make_app() -> ASGIApp:
        return peer_app(holder)

    with serve_asgi_in_thread(make_app) as url:
        holder.append(Peer(url=url, actors=actors))
        yield holder[0]


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    return settings.replace(base_url="", port=0, federation_allow_networks=("127.0.0.0/8",))


@pytest.fixture
def make_live(clock: ManualClock, live_settings: Settings) -> Iterator[Callable[..., LiveServer]]:
    """``make_live(**setting changes)`` starts an instance; all are stopped after the test."""
    with ExitStack() as stack:

        def start(**changes: Any) -> LiveServer:
            return stack.enter_context(
                serve_in_thread(live_settings.replace(**changes), clock=clock)
            )

        yield start


@pytest.fixture
def live(make_live: Callable[..., LiveServer]) -> LiveServer:
    return make_live()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def stored(settings: Settings) -> list[InboxItem]:
    """The inbox items in the instance's database, oldest first."""
    ctx = build_context(settings)
    try:
        async with ctx.session() as db:
            return list(await db.scalars(select(InboxItem).order_by(InboxItem.id)))
    finally:
        await ctx.dispose()


def retarget(document: dict[str, Any], peer_base: str, our_base: str) -> dict[str, Any]:
    """A Mastodon fixture with its hosts replaced by the peer's and ours."""
    text = json.dumps(document)
    text = text.replace("https://mastodon.example", peer_base)
    text = text.replace("https://coop.example", our_base)
    result: dict[str, Any] = json.loads(text)
    return result


def follow_from(peer: Peer, name: str, live: LiveServer, *, serial: str = "1") -> dict[str, Any]:
    activity = retarget(fixture("follow"), peer.url, live.url)
    activity["actor"] = peer.actor_id(name)
    activity["id"] = f"{peer.url}/activities/follow-{name}-{serial}"
    return activity


def post(
    url: str,
    body: bytes,
    *,
    content_type: str = AS2,
) -> httpx.Request:
    return httpx.Request("POST", url, content=body, headers={"Content-Type": content_type})


def sign(
    request: httpx.Request,
    key: PrivateKey,
    key_id: str,
    *,
    at: datetime,
    scheme: Scheme = "rfc9421",
    cavage_algorithm: str | None = None,
) -> httpx.Request:
    sign_httpx_request(
        request, key, key_id, scheme=scheme, now=at, cavage_algorithm=cavage_algorithm
    )
    return request


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code
