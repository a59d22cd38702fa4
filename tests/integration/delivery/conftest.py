"""Delivery tests: this instance may reach loopback, and a remote inbox server on loopback
checks every signature for real.

``Receiver`` serves ``POST /inbox/{name}`` (any name). Each request's HTTP signature is
verified with ``federation.httpsig.verify_request`` against the keys it was told about
(``trust``), at the test's clock. Answers are scripted per inbox name (``script``: a list of
``(status, headers)`` consumed in order, then 202; ``delay`` slows every answer); ``cavage_only`` names refuse RFC 9421
signatures with 401, as older servers do. It records every accepted POST (``received``) and
applies each activity id once per inbox (``applied``), as a real inbox's dedup would.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from coopfed.context import AppContext
from coopfed.settings import Settings
from federation import keys
from federation.actor import COOP_NAME, LocalUrls
from federation.context import AS_PUBLIC
from federation.httpsig import PublicKey, ResolvedKey, verify_request
from governance.clock import Clock, ManualClock
from tests.live import serve_asgi_in_thread


@dataclass
class Received:
    inbox: str
    activity_id: str
    scheme: str


@dataclass
class Receiver:
    url: str
    clock: Clock | None = None
    delay: float = 0.0  # seconds each accepted POST takes (a slow peer)
    keys: dict[str, ResolvedKey] = field(default_factory=dict)
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    cavage_only: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (inbox, why)
    hits: Counter[str] = field(default_factory=Counter)  # every POST, by inbox

    def inbox(self, name: str) -> str:
        return f"{self.url}/inbox/{name}"

    def trust(self, key_id: str, public_pem: str, owner: str) -> None:
        self.keys[key_id] = ResolvedKey(PublicKey.from_pem(public_pem), owner)

    def reset(self) -> None:
        self.keys.clear()
        self.script.clear()
        self.cavage_only.clear()
        self.received.clear()
        self.refused.clear()
        self.hits.clear()
        self.delay = 0.0

    def applied(self) -> Counter[str]:
        """How many distinct activities each inbox applied (duplicates count once)."""
        return Counter(inbox for inbox, _ in {(r.inbox, r.activity_id) for r in self.received})

    def deliveries_to(self, name: str) -> list[Received]:
        return [r for r in self.received if r.inbox == name]


def receiver_app(receiver: Receiver) -> Starlette:
    async def resolve(key_id: str, *, refresh: bool) -> ResolvedKey | None:
        return receiver.keys.get(key_id)

    async def inbox(request: Request) -> Response:
        name = request.path_params["name"]
        receiver.hits[name] += 1
        body = await request.body()
        scripted = receiver.script.get(name)
        if scripted:
            status, headers = scripted.pop(0)
            return Response(b"scripted", status_code=status, headers=headers)
        if name in receiver.cavage_only and "signature-input" in request.headers:
            receiver.refused.append((name, "rfc9421 not understood"))
            return Response(b"unknown signature", status_code=401)
        clock = receiver.clock
        now = clock.now() if clock is not None else None
        if now is None:  # pragma: no cover - every test passes its clock
            raise RuntimeError("receiver needs a clock")
        check = await verify_request(
            "POST",
            f"{receiver.url}{request.url.path}",
            request.headers.items(),
            body,
            resolve_key=resolve,
            now=now,
        )
        if not check.ok:
            receiver.refused.append((name, check.message))
            return Response(check.message.encode(), status_code=401)
        activity: dict[str, Any] = json.loads(body)
        if receiver.delay:
            await asyncio.sleep(receiver.delay)
        receiver.received.append(Received(name, str(activity["id"]), check.scheme or ""))
        return Response(status_code=202)

    return Starlette(routes=[Route("/inbox/{name}", inbox, methods=["POST"])])


LOOPBACK = ("127.0.0.0/8",)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(federation_allow_networks=LOOPBACK)


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    async def make_app() -> ASGIApp:
        return receiver_app(holder[0])

    holder.append(Receiver(url=""))
    with serve_asgi_in_thread(make_app) as url:
        holder[0].url = url
        yield holder[0]


@pytest.fixture
async def receiver(receiver_server: Receiver, ctx: AppContext, clock: ManualClock) -> Receiver:
    """The session's receiver, emptied, on this test's clock, trusting this instance's key."""
    receiver_server.reset()
    receiver_server.clock = clock
    async with ctx.session() as db:
        row = (await keys.current(db, keys.INSTANCE_ACTOR))[keys.KeyType.RSA]
    urls = LocalUrls.of(ctx.settings.effective_base_url)
    receiver_server.trust(urls.main_key(COOP_NAME), row.public_pem, urls.actor(COOP_NAME))
    return receiver_server


def note_activity(ctx: AppContext, serial: str) -> dict[str, Any]:
    """A ``Create`` of a public ``Note`` by the co-op."""
    urls = LocalUrls.of(ctx.settings.effective_base_url)
    actor = urls.actor(COOP_NAME)
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls.activity(f"note-{serial}"),
        "type": "Create",
        "actor": actor,
        "to": [AS_PUBLIC],
        "cc": [urls.followers(COOP_NAME)],
        "object": {
            "id": f"{urls.base_url}/notes/{serial}",
            "type": "Note",
            "attributedTo": actor,
            "content": f"<p>announcement {serial}</p>",
            "to": [AS_PUBLIC],
        },
    }
