"""Discovery and actors over HTTP: WebFinger, NodeInfo, host-meta, the context, actor
documents (AS2 or HTML by content negotiation), their collections, and keys as published.

Most tests talk to the app in-process; the last ones start two real instances on loopback
ports and let one discover the other through the safe HTTP client, with signed GETs.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from coopfed.auth import web_session
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings, SettingsError, load
from federation import actor as actors
from federation import keys
from federation.actor import LocalUrls
from federation.context import coopfed_context_bytes
from federation.discovery import NODEINFO_21_REL, PROFILE_PAGE_REL, user_agent
from federation.httpsig import PrivateKey, PublicKey, ResolvedKey, SigningAuth, verify_request
from federation.keys import ActorKey, KeyType
from federation.multikey import ed25519_from_multibase
from federation.net import ForbiddenAddress, create_safe_client
from federation.rotation import rotate
from governance.member import Member
from tests import pg
from tests.conftest import PG_URL
from tests.integration.api.conftest import make_admin_by_setup, make_member
from tests.live import LiveServer, serve_in_thread

BASE = "http://testserver"
AS2 = "application/activity+json"
LD_AS2 = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def _as2(client: AsyncClient, path: str, accept: str = AS2) -> Response:
    return await client.get(path, headers={"Accept": accept})


async def _stored_keys(ctx: AppContext, owner: str) -> dict[KeyType, ActorKey]:
    async with ctx.session() as db:
        return await keys.current(db, owner)


async def _key_rows(ctx: AppContext, owner: str) -> int:
    async with ctx.session() as db:
        return int(
            await db.scalar(
                select(func.count()).select_from(ActorKey).where(ActorKey.actor == owner)
            )
            or 0
        )


@pytest.fixture
async def coop(ctx: AppContext) -> Member:
    """The set-up co-op ("Tech Co-op") and its first admin, ada."""
    return await make_admin_by_setup(ctx)


# --- WebFinger --------------------------------------------------------------------------------


async def test_webfinger__answers_for_the_coop_with_a_jrd(
    client: AsyncClient, coop: Member
) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:coop@testserver"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jrd+json"
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert jrd["subject"] == "acct:coop@testserver"
    assert jrd["aliases"] == [f"{BASE}/actors/coop"]
    links = {link["rel"]: link for link in jrd["links"]}
    assert links["self"] == {"rel": "self", "type": AS2, "href": f"{BASE}/actors/coop"}
    assert links[PROFILE_PAGE_REL]["href"] == f"{BASE}/actors/coop"


async def test_webfinger__finds_a_member_by_account_or_actor_url(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    await make_member(ctx, username="bea", display_name="Béa")
    for resource in ("acct:bea@testserver", "acct:BEA@TestServer", f"{BASE}/actors/bea"):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 200, resource
        assert response.json()["subject"] == "acct:bea@testserver"


async def test_webfinger__filters_links_by_rel(client: AsyncClient, coop: Member) -> None:
    response = await client.get("/.well-known/webfinger?resource=acct:coop@testserver&rel=self")
    assert [link["rel"] for link in response.json()["links"]] == ["self"]


@pytest.mark.parametrize(
    "query",
    ["", "?resource=", "?resource=acct:", "?resource=mailto:coop@testserver", "?resource=coop"],
)
async def test_webfinger__missing_or_malformed_resource_is_400(
    client: AsyncClient, coop: Member, query: str
) -> None:
    response = await client.get(f"/.well-known/webfinger{query}")
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    assert "error" in response.json()


@pytest.mark.parametrize(
    "resource",
    ["acct:nobody@testserver", "acct:coop@other.example", "https://other.example/actors/coop"],
)
async def test_webfinger__unknown_user_or_other_host_is_404(
    client: AsyncClient, coop: Member, resource: str
) -> None:
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 404


@pytest.mark.parametrize("status", ["invited", "applicant", "suspended", "left"])
async def test_webfinger__only_admitted_members_are_found(
    client: AsyncClient, ctx: AppContext, coop: Member, status: str
) -> None:
    await make_member(ctx, username="cyd", status=status)
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:cyd@testserver"}
    )
    assert response.status_code == 404


# --- NodeInfo, host-meta, context -------------------------------------------------------------


async def test_nodeinfo__well_known_links_to_2_1(client: AsyncClient) -> None:
    response = await client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.json() == {"links": [{"rel": NODEINFO_21_REL, "href": f"{BASE}/nodeinfo/2.1"}]}


async def test_nodeinfo__counts_admitted_and_active_members(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    bea = await make_member(ctx, username="bea")
    await make_member(ctx, username="cyd")
    await make_member(ctx, username="dan", status="applicant")
    await make_member(ctx, username="eve", status="left")
    async with ctx.session() as db:
        # bea used the site today; cyd last did 100 days ago
        await web_session.open_session(db, bea, now=ctx.clock.now(), lifetime=timedelta(days=30))
        cyd = await db.scalar(select(Member).where(Member.username == "cyd"))
        assert cyd is not None
        await web_session.open_session(
            db, cyd, now=ctx.clock.now() - timedelta(days=100), lifetime=timedelta(days=300)
        )
        await db.commit()
    response = await client.get("/nodeinfo/2.1")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
    doc = response.json()
    assert doc["version"] == "2.1"
    assert doc["software"]["name"] == "coopfed"
    assert doc["protocols"] == ["activitypub"]
    assert doc["openRegistrations"] is False
    assert doc["usage"]["users"] == {"total": 3, "activeMonth": 1, "activeHalfyear": 2}
    assert doc["usage"]["localPosts"] == 0
    assert doc["metadata"]["nodeName"] == "Tech Co-op"


async def test_host_meta__xml_and_json_point_at_webfinger(client: AsyncClient) -> None:
    xml = await client.get("/.well-known/host-meta")
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xrd+xml")
    template = f"{BASE}/.well-known/webfinger?resource={{uri}}"
    assert f'template="{template}"' in xml.text
    as_json = await client.get("/.well-known/host-meta.json")
    assert as_json.json()["links"][0]["template"] == template


async def test_context__is_served_as_json_ld(client: AsyncClient) -> None:
    response = await client.get("/ns/coopfed")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert response.content == coopfed_context_bytes()
    assert "assertionMethod" in response.json()["@context"]


# --- actors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "content_type"), [(AS2, AS2), (LD_AS2, LD_AS2)])
async def test_actor__coop_is_an_organization_with_the_instance_keys(
    client: AsyncClient, ctx: AppContext, coop: Member, accept: str, content_type: str
) -> None:
    response = await _as2(client, "/actors/coop", accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["vary"] == "Accept"
    doc = response.json()
    assert doc["type"] == "Organization"
    assert doc["id"] == f"{BASE}/actors/coop"
    assert doc["name"] == "Tech Co-op"
    stored = await _stored_keys(ctx, keys.INSTANCE_ACTOR)
    assert doc["publicKey"]["publicKeyPem"] == stored[KeyType.RSA].public_pem
    published_ed = ed25519_from_multibase(doc["assertionMethod"][0]["publicKeyMultibase"])
    assert PublicKey(published_ed) == PublicKey.from_pem(stored[KeyType.ED25519].public_pem)


async def test_actor__browser_gets_the_html_profile_on_the_same_url(
    client: AsyncClient, coop: Member
) -> None:
    response = await client.get("/actors/coop", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    assert f'<{BASE}/actors/coop>; rel="alternate"; type="{AS2}"' == response.headers["link"]
    assert "Tech Co-op" in response.text
    assert "@coop@testserver" in response.text
    assert "Follow this co-op" in response.text


async def test_actor__html_profile_speaks_french(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    await make_member(ctx, username="bea", display_name="Béa")
    headers = {"Accept": BROWSER, "Accept-Language": "fr"}
    coop_page = await client.get("/actors/coop", headers=headers)
    assert "Suivre cette coopérative" in coop_page.text
    person_page = await client.get("/actors/bea", headers=headers)
    assert person_page.status_code == 200
    assert "Béa" in person_page.text and "@bea@testserver" in person_page.text
    assert "Sociétaire de Tech Co-op depuis le" in person_page.text


async def test_actor__member_is_a_person_whose_keys_are_made_on_first_fetch(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    bea = await make_member(ctx, username="bea", display_name="Béa")
    owner = actors.member_key_owner(bea.id)
    assert await _key_rows(ctx, owner) == 0
    first = (await _as2(client, "/actors/bea")).json()
    assert first["type"] == "Person"
    assert first["preferredUsername"] == "bea"
    assert first["name"] == "Béa"
    stored = await _stored_keys(ctx, owner)  # committed, so another session sees them
    assert set(stored) == {KeyType.RSA, KeyType.ED25519}
    assert first["publicKey"]["publicKeyPem"] == stored[KeyType.RSA].public_pem
    second = (await _as2(client, "/actors/bea")).json()
    assert second["publicKey"] == first["publicKey"]
    assert await _key_rows(ctx, owner) == 2


async def test_actor__concurrent_first_fetches_make_one_key_pair(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    bea = await make_member(ctx, username="bea")
    responses = await asyncio.gather(*(_as2(client, "/actors/bea") for _ in range(4)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["publicKey"]["publicKeyPem"] for r in responses}) == 1
    assert await _key_rows(ctx, actors.member_key_owner(bea.id)) == 2


@pytest.mark.parametrize("status", ["invited", "applicant", "suspended"])
async def test_actor__non_members_do_not_exist(
    client: AsyncClient, ctx: AppContext, coop: Member, status: str
) -> None:
    await make_member(ctx, username="cyd", status=status)
    assert (await _as2(client, "/actors/cyd")).status_code == 404
    assert (await client.get("/actors/cyd", headers={"Accept": BROWSER})).status_code == 404


async def test_actor__a_member_who_left_is_gone(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    await make_member(ctx, username="cyd", status="left")
    as2 = await _as2(client, "/actors/cyd")
    assert as2.status_code == 410
    assert as2.headers["content-type"] == AS2
    page = await client.get("/actors/cyd", headers={"Accept": BROWSER})
    assert page.status_code == 410
    assert "has left the co-op" in page.text


async def test_actor__unknown_name_is_404(client: AsyncClient, coop: Member) -> None:
    for path in ("/actors/nobody", "/actors/Coop", "/actors/a.b"):
        assert (await _as2(client, path)).status_code == 404, path
    assert (await client.get("/actors/nobody", headers={"Accept": BROWSER})).status_code == 404


@pytest.mark.parametrize("kind", ["outbox", "followers", "following"])
async def test_actor_collections__are_empty_paged_ordered_collections(
    client: AsyncClient, coop: Member, kind: str
) -> None:
    url = f"{BASE}/actors/coop/{kind}"
    collection = await _as2(client, f"/actors/coop/{kind}")
    assert collection.status_code == 200
    assert collection.headers["content-type"] == AS2
    assert collection.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": url,
        "type": "OrderedCollection",
        "totalItems": 0,
        "first": f"{url}?page=1",
    }
    page = (await _as2(client, f"/actors/coop/{kind}?page=1")).json()
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == url
    assert page["orderedItems"] == []
    # Whatever the Accept header, a collection is only JSON.
    assert (await client.get(f"/actors/coop/{kind}")).headers["content-type"] == AS2


async def test_actor_collections__refuse_bad_pages_and_unknown_actors(
    client: AsyncClient, coop: Member
) -> None:
    for query in ("?page=0", "?page=abc", "?page=-1", "?page=99999999", "?page=%C2%B2", "?page=01"):
        assert (await _as2(client, f"/actors/coop/outbox{query}")).status_code == 400, query
    assert (await _as2(client, "/actors/nobody/followers")).status_code == 404


# --- keys as published ------------------------------------------------------------------------


async def test_actor__pem_is_not_parsed_per_request(
    client: AsyncClient, coop: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = actors._ed25519_multibase_of

    def counting(pem: str) -> str:
        calls.append(pem)
        return original(pem)

    monkeypatch.setattr(actors, "_ed25519_multibase_of", counting)
    for _ in range(5):
        assert (await _as2(client, "/actors/coop")).status_code == 200
    assert len(calls) == 1


async def test_rotation__the_running_app_publishes_and_signs_with_the_new_keys(
    client: AsyncClient, ctx: AppContext, coop: Member
) -> None:
    before = (await _as2(client, "/actors/coop")).json()
    old_signer = ctx.keyring.get(keys.INSTANCE_ACTOR, KeyType.RSA)
    assert old_signer is not None
    # `coopfed keys rotate` runs in another process: here, another session on the database.
    async with ctx.session() as db:
        _found, coop_actor = await actors.lookup(db, "coop")
        assert coop_actor is not None
        await rotate(db, LocalUrls.of(BASE), coop_actor, now=ctx.clock.now())
        await db.commit()
    after = (await _as2(client, "/actors/coop")).json()
    assert after["publicKey"]["id"] == before["publicKey"]["id"]
    assert after["publicKey"]["publicKeyPem"] != before["publicKey"]["publicKeyPem"]
    assert after["assertionMethod"] != before["assertionMethod"]
    # The app's keyring followed: it now signs with the key it publishes.
    new_signer = ctx.keyring.get(keys.INSTANCE_ACTOR, KeyType.RSA)
    assert new_signer is not None and new_signer.public_pem == after["publicKey"]["publicKeyPem"]


async def test_signing_key__follows_a_rotation_before_any_actor_request(
    app: Any, ctx: AppContext, coop: Member
) -> None:
    cache: actors.ActorKeyCache = app.state.actor_keys
    async with ctx.session() as db:
        _found, coop_actor = await actors.lookup(db, "coop")
        assert coop_actor is not None
        await rotate(db, LocalUrls.of(BASE), coop_actor, now=ctx.clock.now())
        await db.commit()
    async with ctx.session() as db:
        signer = await cache.signing_key(db, keys.INSTANCE_ACTOR)
    stored = await _stored_keys(ctx, keys.INSTANCE_ACTOR)
    assert signer.public_pem == stored[KeyType.RSA].public_pem


@dataclass
class _Message:
    """What `http-message-signatures` reads of a request."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_interop__an_independent_verifier_accepts_our_signature_with_database_keys(
    app: Any, client: AsyncClient, ctx: AppContext, coop: Member, method: str
) -> None:
    """Sign with the instance key as loaded from the database; verify with the PyPI package
    `http-message-signatures` against the key our actor document publishes."""
    cache: actors.ActorKeyCache = app.state.actor_keys
    async with ctx.session() as db:
        loaded = await cache.signing_key(db, keys.INSTANCE_ACTOR)
    actor_doc = (await _as2(client, "/actors/coop")).json()
    key_id = actor_doc["publicKey"]["id"]
    auth = SigningAuth(PrivateKey(loaded.private_key), key_id, clock=lambda: datetime.now(UTC))
    body = (
        json.dumps({"type": "Follow", "actor": actor_doc["id"]}).encode()
        if method == "POST"
        else b""
    )
    outgoing = httpx.Request(method, "https://peer.example/inbox", content=body or None)
    signed = next(auth.sync_auth_flow(outgoing))

    published = PublicKey.from_pem(actor_doc["publicKey"]["publicKeyPem"])
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={key_id: published.raw}, private_keys={}),
    )
    required = ["@method", "@target-uri", "host", "date"] + (["content-digest"] if body else [])
    [result] = verifier.verify(
        _Message(signed.method, str(signed.url), dict(signed.headers.items())),
        require_components=required,
        body=body or None,
    )
    assert result.parameters["keyid"] == key_id
    assert result.parameters["alg"] == "rsa-v1_5-sha256"


# --- two live instances -----------------------------------------------------------------------


@pytest.fixture
def second_database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh database, for the second instance."""
    if PG_URL:
        name = f"coopfed_t_{uuid.uuid4().hex[:12]}"
        asyncio.run(pg.create_database(PG_URL, name, template=template_database))
        yield pg.with_database(PG_URL, name)
        asyncio.run(pg.drop_database(PG_URL, name))
    else:
        (tmp_path / "b").mkdir()
        shutil.copyfile(template_database, tmp_path / "b" / "coopfed.db")
        yield ""


def test_settings__federation_allow_networks_comes_from_the_environment_and_is_checked() -> None:
    env = {"COOPFED_FEDERATION_ALLOW_NETWORKS": "127.0.0.0/8, coop.internal:8443"}
    assert load(env=env).federation_allow_networks == ("127.0.0.0/8", "coop.internal:8443")
    assert load(env={}).federation_allow_networks == ()
    with pytest.raises(SettingsError, match="federation_allow_networks"):
        load(env={"COOPFED_FEDERATION_ALLOW_NETWORKS": "10.0.0.0/8, not a host"})


def _live_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        port=0,
        fast_password_hashing=True,
        run_worker=False,
        federation_allow_networks=("127.0.0.0/8",),
    )


@pytest.fixture
def two_instances(
    tmp_path: Path, database_url: str, second_database_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    with (
        serve_in_thread(_live_settings(tmp_path, database_url)) as a,
        serve_in_thread(_live_settings(tmp_path / "b", second_database_url)) as b,
    ):
        yield a, b


class _RecordingAuth(SigningAuth):
    """Signs like ``SigningAuth`` and keeps what it sent, to check it afterwards."""

    def __init__(self, key: PrivateKey, key_id: str) -> None:
        super().__init__(key, key_id)
        self.sent: list[httpx.Request] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for signed in super().auth_flow(request):
            self.sent.append(signed)
            yield signed


async def _instance_key(live: LiveServer, key_type: KeyType) -> PrivateKey:
    """The instance key as stored in that instance's database."""
    ctx = build_context(live.settings)
    try:
        async with ctx.session() as db:
            row = (await keys.current(db, keys.INSTANCE_ACTOR))[key_type]
        return PrivateKey.from_pem(row.private_pem)
    finally:
        await ctx.dispose()


async def test_live__a_discovers_b_and_fetches_its_actor_with_a_signed_get(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    a_urls, b_urls = LocalUrls.of(a.url), LocalUrls.of(b.url)
    a_key = await _instance_key(a, KeyType.RSA)
    b_key = await _instance_key(b, KeyType.RSA)
    b_ed_key = await _instance_key(b, KeyType.ED25519)

    async with create_safe_client(
        user_agent=user_agent(a.url, "test"), allow_list=a.settings.federation_allow_networks
    ) as http:
        finger = await http.fetch_json(
            f"{b.url}/.well-known/webfinger?resource={b_urls.acct('coop')}",
            accept="application/jrd+json",
            content_types=("application/jrd+json",),
        )
        assert finger.document is not None
        assert finger.document["subject"] == f"acct:coop@{b_urls.domain}"
        [self_link] = [link for link in finger.document["links"] if link["rel"] == "self"]
        assert self_link["type"] == AS2

        signing = _RecordingAuth(a_key, a_urls.main_key("coop"))
        fetched = await http.fetch_object(self_link["href"], auth=signing)
    assert fetched.status == 200
    assert fetched.content_type == AS2
    actor_doc = fetched.document
    assert actor_doc is not None
    assert actor_doc["id"] == b_urls.actor("coop") == self_link["href"]
    assert actor_doc["type"] == "Organization"
    assert actor_doc["publicKey"]["owner"] == actor_doc["id"]

    # What B publishes verifies what B signs (and not what A signs).
    published = PublicKey.from_pem(actor_doc["publicKey"]["publicKeyPem"])
    message = b"(request-target): post /inbox"
    assert published.verify("rsa-v1_5-sha256", message, b_key.sign("rsa-v1_5-sha256", message))
    assert not published.verify("rsa-v1_5-sha256", message, a_key.sign("rsa-v1_5-sha256", message))
    multikey = ed25519_from_multibase(actor_doc["assertionMethod"][0]["publicKeyMultibase"])
    multikey.verify(b_ed_key.sign("ed25519", message), message)

    # The GET that reached B was signed so that B can check it against A's published key.
    [sent] = signing.sent
    async with create_safe_client(
        user_agent=user_agent(b.url, "test"), allow_list=b.settings.federation_allow_networks
    ) as http:
        a_actor = (await http.fetch_object(a_urls.actor("coop"))).document
    assert a_actor is not None

    async def resolve(key_id: str, *, refresh: bool) -> ResolvedKey | None:
        if key_id != a_actor["publicKey"]["id"]:
            return None
        return ResolvedKey(PublicKey.from_pem(a_actor["publicKey"]["publicKeyPem"]), a_actor["id"])

    check = await verify_request(
        "GET", str(sent.url), sent.headers, b"", resolve_key=resolve, now=datetime.now(UTC)
    )
    assert check.ok, check.message
    assert check.key_owner == a_urls.actor("coop")
    assert {"@method", "@target-uri", "host", "date"} <= set(check.covered)


async def test_live__the_safe_client_refuses_loopback_unless_allow_listed(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    _a, b = two_instances
    async with create_safe_client(user_agent="coopfed-test") as http:
        with pytest.raises(ForbiddenAddress):
            await http.fetch_object(LocalUrls.of(b.url).actor("coop"))


async def test_live__instances_publish_distinct_keys_and_domains(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    async with create_safe_client(user_agent="coopfed-test", allow_list=("127.0.0.0/8",)) as http:
        docs = [
            (await http.fetch_object(LocalUrls.of(live.url).actor("coop"))).document
            for live in (a, b)
        ]
    assert docs[0] is not None and docs[1] is not None
    assert docs[0]["id"] != docs[1]["id"]
    assert docs[0]["publicKey"]["publicKeyPem"] != docs[1]["publicKey"]["publicKeyPem"]
