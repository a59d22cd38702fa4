"""Remote actors and keys: Mastodon documents parsed, keys owned or ignored, fetched with a signed
GET through the safe client, stored, cached, refreshed at most once per host per interval."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coopfed.context import AppContext
from federation.httpsig import (
    PrivateKey,
    PublicKey,
    RefetchLimiter,
    SigningAuth,
    verify_request,
)
from federation.httpsig.check import ResolvedKey
from federation.models import RemoteActor, RemoteKey
from federation.multikey import ed25519_multibase, multikey
from federation.net import BlockedHost, ForbiddenAddress, create_safe_client
from federation.remote import (
    InvalidActorDocument,
    KeyUnavailable,
    RemoteActors,
    as_to_remote_actor,
    authority_of,
)
from governance.clock import ManualClock
from tests.unit.federation.net.loopback import LoopbackServer, Reply, SeenRequest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
AS2 = [("Content-Type", "application/activity+json; charset=utf-8")]


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return document


# --- parsing -------------------------------------------------------------------------------


def test_mastodon_person__parses() -> None:
    document = fixture("actor")
    actor = as_to_remote_actor(document, fetched_from="https://mastodon.example/users/alice")
    assert actor.uri == "https://mastodon.example/users/alice"
    assert actor.host == "mastodon.example"
    assert actor.actor_type == "Person"
    assert actor.preferred_username == "alice"
    assert actor.name == "Alice Dupont"
    assert actor.inbox == "https://mastodon.example/users/alice/inbox"
    assert actor.shared_inbox == "https://mastodon.example/inbox"
    assert actor.outbox == "https://mastodon.example/users/alice/outbox"
    assert actor.url == "https://mastodon.example/@alice"
    [key] = actor.keys
    assert key.key_id == "https://mastodon.example/users/alice#main-key"
    assert key.owner == actor.uri
    assert key.source == "publicKey"
    assert PublicKey.from_pem(key.public_key_pem) == PublicKey.from_pem(
        document["publicKey"]["publicKeyPem"]
    )
    assert PublicKey.from_pem(key.public_key_pem).kind == "rsa"


def test_mastodon_instance_actor__parses() -> None:
    actor = as_to_remote_actor(fixture("instance_actor"))
    assert actor.actor_type == "Application"
    assert actor.preferred_username == "mastodon.example"
    assert [k.key_id for k in actor.keys] == ["https://mastodon.example/actor#main-key"]


def test_mastodon_key_object__is_not_an_actor() -> None:
    with pytest.raises(InvalidActorDocument):
        as_to_remote_actor(fixture("key"))


def test_an_activity__is_not_an_actor() -> None:
    with pytest.raises(InvalidActorDocument, match="not an actor"):
        as_to_remote_actor(fixture("follow"))


def test_an_actor_served_by_another_host__is_refused() -> None:
    with pytest.raises(InvalidActorDocument, match="its own host"):
        as_to_remote_actor(fixture("actor"), fetched_from="https://evil.example/alice.json")


def test_an_actor_without_inbox__is_refused() -> None:
    document = fixture("actor")
    del document["inbox"]
    with pytest.raises(InvalidActorDocument, match="inbox"):
        as_to_remote_actor(document)


def test_keys_the_actor_does_not_own__are_ignored() -> None:
    document = fixture("actor")
    pem = document["publicKey"]["publicKeyPem"]
    actor_id = document["id"]
    document["publicKey"] = [
        {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": pem},
        {"id": f"{actor_id}#lent", "owner": "https://mastodon.example/users/bob",
         "publicKeyPem": pem},
        {"id": "https://evil.example/keys/1", "owner": actor_id, "publicKeyPem": pem},
        {"id": f"{actor_id}#broken", "owner": actor_id, "publicKeyPem": "not a key"},
        f"{actor_id}#bare-id",
    ]
    actor = as_to_remote_actor(document)
    assert [k.key_id for k in actor.keys] == [f"{actor_id}#main-key"]


def test_fep_521a_multikey__is_read_as_an_ed25519_key() -> None:
    document = fixture("actor")
    actor_id = document["id"]
    ed = PrivateKey.generate_ed25519()
    raw = ed.public_key.raw
    document["assertionMethod"] = [
        multikey(f"{actor_id}#ed25519-key", actor_id, ed25519_multibase(raw)),  # type: ignore[arg-type]
        multikey(f"{actor_id}#other", "https://mastodon.example/users/bob",
                 ed25519_multibase(raw)),  # type: ignore[arg-type]
        multikey(f"{actor_id}#garbage", actor_id, "zNotAKey"),
    ]
    actor = as_to_remote_actor(document)
    ed_key = actor.key(f"{actor_id}#ed25519-key")
    assert ed_key is not None and ed_key.source == "assertionMethod"
    assert PublicKey.from_pem(ed_key.public_key_pem) == ed.public_key
    assert actor.key(f"{actor_id}#other") is None
    assert actor.key(f"{actor_id}#garbage") is None


def test_url__may_be_a_link_object() -> None:
    document = fixture("actor")
    document["url"] = [{"type": "Link", "href": "https://mastodon.example/@alice",
                        "mediaType": "text/html"}]
    assert as_to_remote_actor(document).url == "https://mastodon.example/@alice"


def test_authority_of__omits_default_ports() -> None:
    assert authority_of("https://Peer.Example:443/x") == "peer.example"
    assert authority_of("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert authority_of("http://[::1]:8080/x") == "[::1]:8080"
    assert authority_of("urn:uuid:1") is None


# --- fetching ------------------------------------------------------------------------------


class Peer:
    """A remote server on loopback publishing actors, one key pair each."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.keys: dict[str, PrivateKey] = {}

    def actor_id(self, name: str) -> str:
        return self.server.url(f"/users/{name}")

    def key_id(self, name: str) -> str:
        return f"{self.actor_id(name)}#main-key"

    def document(self, name: str) -> dict[str, Any]:
        document = fixture("actor")
        actor_id = self.actor_id(name)
        document.update(
            id=actor_id,
            preferredUsername=name,
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            publicKey={
                "id": self.key_id(name),
                "owner": actor_id,
                "publicKeyPem": self.keys[name].public_key.to_pem(),
            },
            endpoints={"sharedInbox": self.server.url("/inbox")},
        )
        return document

    def publish(self, name: str, key: PrivateKey | None = None) -> PrivateKey:
        self.keys[name] = key or PrivateKey.generate_rsa()
        self.server.route(f"/users/{name}", lambda _request: self._reply(name))
        return self.keys[name]

    def _reply(self, name: str) -> Reply:
        return Reply(200, AS2, json.dumps(self.document(name)).encode())

    def fetches(self) -> list[SeenRequest]:
        return [r for r in self.server.requests if r.method == "GET"]


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    server = LoopbackServer()
    await server.start()
    try:
        yield Peer(server)
    finally:
        await server.stop()


OUR_KEY = PrivateKey.generate_rsa()
OUR_KEY_ID = "http://testserver/actors/coop#main-key"


@pytest.fixture
async def make_remote(
    ctx: AppContext, clock: ManualClock
) -> AsyncIterator[Callable[..., RemoteActors]]:
    clients = []
    async with ctx.session() as db:
        await ctx.policy.reload(db)

    def build(**kwargs: Any) -> RemoteActors:
        client = create_safe_client(
            user_agent="coopfed-test",
            allow_list=kwargs.pop("allow_list", ["127.0.0.0/8"]),
            host_policy=ctx.policy.may_federate,
        )
        clients.append(client)
        return RemoteActors(
            sessions=ctx.sessions,
            client=client,
            policy=ctx.policy,
            clock=clock,
            signer=lambda: SigningAuth(OUR_KEY, OUR_KEY_ID, clock=clock.now),
            **kwargs,
        )

    yield build
    for client in clients:
        await client.aclose()


async def count(ctx: AppContext, model: Any) -> int:
    async with ctx.session() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_resolve_key__fetches_with_a_signed_get_and_stores_the_actor(
    ctx: AppContext, clock: ManualClock, peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    key = peer.publish("alice")
    remote = make_remote()
    resolved = await remote.resolve_key(peer.key_id("alice"), refresh=False)
    assert resolved is not None
    assert resolved.owner == peer.actor_id("alice")
    assert resolved.key == key.public_key
    [fetch] = peer.fetches()
    assert fetch.path == "/users/alice"
    assert "application/activity+json" in fetch.headers["accept"]

    async def ours(key_id: str, *, refresh: bool) -> ResolvedKey:
        return ResolvedKey(OUR_KEY.public_key, "http://testserver/actors/coop")

    check = await verify_request(
        "GET", peer.server.url(fetch.path), fetch.headers, b"", resolve_key=ours, now=clock.now()
    )
    assert check.ok, check.message
    async with ctx.session() as db:
        actor = await db.scalar(select(RemoteActor))
        stored_key = await db.scalar(select(RemoteKey))
    assert actor is not None and actor.uri == peer.actor_id("alice")
    assert actor.inbox == peer.actor_id("alice") + "/inbox"
    assert actor.host == f"127.0.0.1:{peer.server.port}"
    assert stored_key is not None and stored_key.key_id == peer.key_id("alice")
    assert stored_key.owner == actor.uri


async def test_resolve_key__answers_from_memory_then_from_the_database(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    first = make_remote()
    resolved = await first.resolve_key(peer.key_id("alice"), refresh=False)
    assert await first.resolve_key(peer.key_id("alice"), refresh=False) is resolved
    other_process = make_remote()
    again = await other_process.resolve_key(peer.key_id("alice"), refresh=False)
    assert again is not None and again.key == resolved.key  # type: ignore[union-attr]
    assert len(peer.fetches()) == 1


async def test_refresh__follows_a_rotation_once_per_host_per_interval(
    clock: ManualClock, peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    remote = make_remote(limiter=RefetchLimiter(timedelta(seconds=60)))
    old = await remote.resolve_key(peer.key_id("alice"), refresh=False)
    rotated = peer.publish("alice")
    new = await remote.resolve_key(peer.key_id("alice"), refresh=True)
    assert new is not None and new is not old
    assert new.key == rotated.public_key
    # Within the interval a refresh is refused: the same object comes back, nothing is fetched.
    peer.publish("bob")
    await remote.resolve_key(peer.key_id("bob"), refresh=False)
    fetched = len(peer.fetches())
    assert await remote.resolve_key(peer.key_id("bob"), refresh=True) is not None
    assert await remote.resolve_key(peer.key_id("alice"), refresh=True) is new
    assert len(peer.fetches()) == fetched
    clock.advance(timedelta(seconds=61))
    assert await remote.resolve_key(peer.key_id("alice"), refresh=True) is new  # unchanged key
    assert len(peer.fetches()) == fetched + 1


async def test_a_key_served_on_its_own__leads_to_its_owner(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    key = peer.publish("alice")
    key_url = peer.server.url("/users/alice/main-key")
    document = fixture("key")
    document.update(id=key_url, owner=peer.actor_id("alice"),
                    publicKeyPem=key.public_key.to_pem())
    peer.server.route("/users/alice/main-key", Reply(200, AS2, json.dumps(document).encode()))
    # The actor lists that key id too.
    original = peer.document
    peer.document = lambda name: {  # type: ignore[method-assign]
        **original(name),
        "publicKey": {"id": key_url, "owner": peer.actor_id(name),
                      "publicKeyPem": key.public_key.to_pem()},
    }
    resolved = await make_remote().resolve_key(key_url, refresh=False)
    assert resolved is not None and resolved.owner == peer.actor_id("alice")
    assert [r.path for r in peer.fetches()] == ["/users/alice/main-key", "/users/alice"]


async def test_a_key_the_actor_does_not_list__is_unavailable(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    with pytest.raises(KeyUnavailable, match="does not list"):
        await make_remote().resolve_key(peer.actor_id("alice") + "#other-key", refresh=False)


async def test_a_private_address_not_allow_listed__is_never_contacted(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    remote = make_remote(allow_list=["10.0.0.0/8"])
    with pytest.raises(KeyUnavailable) as caught:
        await remote.resolve_key(peer.key_id("alice"), refresh=False)
    assert isinstance(caught.value.cause, ForbiddenAddress)
    assert peer.server.connections == 0


async def test_a_blocked_host__is_never_contacted(
    ctx: AppContext, clock: ManualClock, peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    remote = make_remote()
    async with ctx.session() as db:
        await ctx.policy.block(db, "127.0.0.1", by=None, now=clock.now())
        await db.commit()
    with pytest.raises(KeyUnavailable) as caught:
        await remote.resolve_key(peer.key_id("alice"), refresh=False)
    assert isinstance(caught.value.cause, BlockedHost)
    assert peer.server.connections == 0


async def test_after_a_failed_fetch__the_host_is_left_alone_for_a_while(
    clock: ManualClock, peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    remote = make_remote(failure_cooldown=timedelta(seconds=60))
    with pytest.raises(KeyUnavailable, match="404"):
        await remote.resolve_key(peer.key_id("nobody"), refresh=False)
    with pytest.raises(KeyUnavailable, match="failed"):
        await remote.resolve_key(peer.key_id("someone-else"), refresh=False)
    assert len(peer.fetches()) == 1
    peer.publish("alice")
    clock.advance(timedelta(seconds=61))
    assert await remote.resolve_key(peer.key_id("alice"), refresh=False) is not None


async def test_a_document_whose_id_is_on_another_host__is_refused(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    document = fixture("actor")  # ids on mastodon.example, served from loopback
    peer.server.route("/users/alice", Reply(200, AS2, json.dumps(document).encode()))
    with pytest.raises(KeyUnavailable, match="its own host"):
        await make_remote().resolve_key(peer.key_id("alice"), refresh=False)


async def test_refresh__first_reads_a_rotation_another_process_stored(
    peer: Peer, make_remote: Callable[..., RemoteActors]
) -> None:
    peer.publish("alice")
    web, worker = make_remote(), make_remote()
    old = await web.resolve_key(peer.key_id("alice"), refresh=False)
    assert await worker.resolve_key(peer.key_id("alice"), refresh=False) is not None
    rotated = peer.publish("alice")
    await worker.resolve_key(peer.key_id("alice"), refresh=True)  # fetches and stores
    fetched = len(peer.fetches())
    new = await web.resolve_key(peer.key_id("alice"), refresh=True)
    assert new is not None and new is not old and new.key == rotated.public_key
    assert len(peer.fetches()) == fetched  # read from the database, not fetched again
