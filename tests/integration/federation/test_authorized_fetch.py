"""Authorized fetch: with ``require_signed_fetch`` on, members' actor documents and every
actor's collections are answered only to a GET signed by a key on a host we federate with.

Instance A is the app under test, in-process at http://testserver; B is a second, live
instance on loopback (``serve_in_thread``, its own database) that itself requires signed
fetches. A request signed with B's instance key makes A fetch B's co-op actor through the safe
client: that it succeeds shows the co-op's ``Organization`` actor stays public, as it must, or
two instances with the setting on could never verify each other. The last test runs both
instances live and lets each read the other's member with double-knocking signed GETs.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx import AsyncClient

from coopfed import bootstrap
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from federation import keys
from federation.actor import LocalUrls
from federation.httpsig import (
    DoubleKnockAuth,
    HttpMessage,
    PrivateKey,
    Scheme,
    SchemePreferences,
    cavage,
    format_http_date,
    sign_httpx_request,
)
from federation.keys import KeyType
from federation.models import FederationMode
from federation.net import BadResponse, create_safe_client
from governance.clock import ManualClock
from governance.member import Member
from tests import pg
from tests.conftest import PG_URL
from tests.integration.api.conftest import make_admin_by_setup, make_member
from tests.live import LiveServer, serve_in_thread

AS2 = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LOOPBACK = ("127.0.0.0/8",)
PROTECTED = (
    "/actors/alice",
    "/actors/alice/outbox",
    "/actors/alice/followers",
    "/actors/alice/following",
    "/actors/coop/outbox",
    "/actors/coop/followers",
    "/actors/coop/following",
)


@dataclass(frozen=True)
class Remote:
    """A live instance and its instance key, to sign GETs as it does."""

    live: LiveServer
    key: PrivateKey

    @property
    def urls(self) -> LocalUrls:
        return LocalUrls.of(self.live.url)

    @property
    def key_id(self) -> str:
        return self.urls.main_key("coop")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # B lives on loopback.
    return settings.replace(federation_allow_networks=LOOPBACK)


@pytest.fixture
async def alice(ctx: AppContext) -> Member:
    """The set-up co-op on A, and its member alice."""
    await make_admin_by_setup(ctx)
    return await make_member(ctx, username="alice")


async def prepare(
    settings: Settings, *, member: str | None, signed_fetch: bool, clock: ManualClock | None = None
) -> None:
    """Set up an instance's database before it is served: the co-op, maybe a member, and
    the ``require_signed_fetch`` switch (loaded by the server when it starts)."""
    ctx = build_context(settings, clock=clock)
    try:
        await bootstrap.initialize(ctx, upgrade=False)
        await make_admin_by_setup(ctx)
        if member is not None:
            await make_member(ctx, username=member)
        await require_signed_fetch(ctx, signed_fetch)
    finally:
        await ctx.dispose()


async def require_signed_fetch(ctx: AppContext, required: bool = True) -> None:
    async with ctx.session() as db:
        await ctx.policy.set_require_signed_fetch(db, required, by=None, now=ctx.clock.now())
        await db.commit()


async def instance_key(settings: Settings) -> PrivateKey:
    ctx = build_context(settings)
    try:
        async with ctx.session() as db:
            row = (await keys.current(db, keys.INSTANCE_ACTOR))[KeyType.RSA]
        return PrivateKey.from_pem(row.private_pem)
    finally:
        await ctx.dispose()


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


@pytest.fixture
def b_settings(tmp_path: Path, second_database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "b",
        database_url=second_database_url,
        port=0,
        fast_password_hashing=True,
        run_worker=False,
        federation_allow_networks=LOOPBACK,
    )


@pytest.fixture
def b(b_settings: Settings) -> Iterator[Remote]:
    """Instance B, live, requiring signed fetches itself."""
    asyncio.run(prepare(b_settings, member="bob", signed_fetch=True))
    with serve_in_thread(b_settings) as live:
        yield Remote(live, asyncio.run(instance_key(live.settings)))


def signed_get(
    client: AsyncClient,
    path: str,
    signer: Remote,
    *,
    at: datetime,
    scheme: Scheme = "rfc9421",
    key: PrivateKey | None = None,
    accept: str = AS2,
) -> httpx.Request:
    request = client.build_request("GET", path, headers={"Accept": accept})
    sign_httpx_request(request, key or signer.key, signer.key_id, scheme=scheme, now=at)
    return request


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The single error shape, and its code."""
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message"}
    return error


# --- setting off ---------------------------------------------------------------------------


async def test_setting_off__unsigned_fetches_are_answered(
    client: AsyncClient, alice: Member
) -> None:
    for path in PROTECTED:
        response = await client.get(path, headers={"Accept": AS2})
        assert response.status_code == 200, path
    actor = await client.get("/actors/alice", headers={"Accept": AS2})
    assert actor.headers["cache-control"] == "public, max-age=180"


# --- setting on: refusals ------------------------------------------------------------------


async def test_setting_on__unsigned_fetches_are_401(
    client: AsyncClient, ctx: AppContext, alice: Member
) -> None:
    await require_signed_fetch(ctx)
    for path in (*PROTECTED, "/actors/alice/outbox?page=1"):
        response = await client.get(path, headers={"Accept": AS2})
        assert response.status_code == 401, path
        assert response.headers["content-type"] == AS2
        assert error_of(response)["code"] == "no_signature", path
    # A collection is only JSON, so a browser's Accept header does not get around it.
    assert (await client.get("/actors/alice/outbox")).status_code == 401


async def test_setting_on__unsigned_clients_cannot_tell_members_from_strangers(
    client: AsyncClient, ctx: AppContext, alice: Member
) -> None:
    await require_signed_fetch(ctx)
    await make_member(ctx, username="gone", status="left")
    for path in ("/actors/alice", "/actors/nobody", "/actors/gone", "/actors/nobody/outbox"):
        response = await client.get(path, headers={"Accept": AS2})
        assert response.status_code == 401, path


async def test_setting_on__a_stale_date_is_401(
    client: AsyncClient, ctx: AppContext, alice: Member, b: Remote, clock: ManualClock
) -> None:
    await require_signed_fetch(ctx)
    for at in (clock.now() - timedelta(minutes=6), clock.now() + timedelta(minutes=6)):
        response = await client.send(signed_get(client, "/actors/alice", b, at=at))
        assert response.status_code == 401
        assert error_of(response)["code"] == "date_out_of_window"


async def test_setting_on__a_signature_by_another_key_is_401(
    client: AsyncClient, ctx: AppContext, alice: Member, b: Remote, clock: ManualClock
) -> None:
    await require_signed_fetch(ctx)
    forged = signed_get(client, "/actors/alice", b, at=clock.now(), key=PrivateKey.generate_rsa())
    response = await client.send(forged)
    assert response.status_code == 401
    assert error_of(response)["code"] == "bad_signature"


async def test_setting_on__a_signature_replayed_on_another_url_is_401(
    client: AsyncClient, ctx: AppContext, alice: Member, b: Remote, clock: ManualClock
) -> None:
    await require_signed_fetch(ctx)
    signed = signed_get(client, "/actors/alice/outbox", b, at=clock.now())
    replayed = client.build_request("GET", "/actors/alice/followers", headers=signed.headers)
    response = await client.send(replayed)
    assert response.status_code == 401
    assert error_of(response)["code"] == "bad_signature"


@pytest.mark.parametrize(
    ("covered", "code"),
    [
        (("(request-target)", "host"), "date_missing"),
        (("host", "date"), "target_not_covered"),
        (("(request-target)", "date"), "host_not_covered"),
    ],
)
async def test_setting_on__a_signature_that_covers_too_little_is_401(
    client: AsyncClient,
    ctx: AppContext,
    alice: Member,
    b: Remote,
    clock: ManualClock,
    covered: tuple[str, ...],
    code: str,
) -> None:
    await require_signed_fetch(ctx)
    request = client.build_request(
        "GET",
        "/actors/alice",
        headers={"Accept": AS2, "Host": "testserver", "Date": format_http_date(clock.now())},
    )
    message = HttpMessage.request("GET", str(request.url), request.headers)
    request.headers["Signature"] = cavage.sign(message, b.key, b.key_id, covered)
    response = await client.send(request)
    assert response.status_code == 401
    assert error_of(response)["code"] == code


async def test_setting_on__a_blocked_signer_is_403(
    client: AsyncClient, ctx: AppContext, alice: Member, b: Remote, clock: ManualClock
) -> None:
    await require_signed_fetch(ctx)
    accepted = await client.send(signed_get(client, "/actors/alice", b, at=clock.now()))
    assert accepted.status_code == 200, accepted.text  # B's key is now known here
    async with ctx.session() as db:
        await ctx.policy.block(db, "127.0.0.1", by=None, now=clock.now())
        await db.commit()
    for path in ("/actors/alice", "/actors/alice/outbox"):
        response = await client.send(signed_get(client, path, b, at=clock.now()))
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "blocked_host"


async def test_setting_on__in_allowlist_mode_only_listed_signers_may_read(
    client: AsyncClient, ctx: AppContext, alice: Member, b: Remote, clock: ManualClock
) -> None:
    await require_signed_fetch(ctx)
    async with ctx.session() as db:
        await ctx.policy.set_mode(db, FederationMode.ALLOWLIST, by=None, now=clock.now())
        await db.commit()
    refused = await client.send(signed_get(client, "/actors/alice", b, at=clock.now()))
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "blocked_host"
    async with ctx.session() as db:
        await ctx.policy.allow(db, "127.0.0.1", by=None, now=clock.now())
        await db.commit()
    accepted = await client.send(signed_get(client, "/actors/alice", b, at=clock.now()))
    assert accepted.status_code == 200, accepted.text


# --- setting on: what is still answered ----------------------------------------------------


@pytest.mark.parametrize("scheme", ["rfc9421", "cavage"])
async def test_setting_on__a_get_signed_by_a_live_instance_is_answered(
    client: AsyncClient,
    ctx: AppContext,
    alice: Member,
    b: Remote,
    clock: ManualClock,
    scheme: Scheme,
) -> None:
    await require_signed_fetch(ctx)
    for path in (*PROTECTED, "/actors/alice/outbox?page=1"):
        request = signed_get(client, path, b, at=clock.now(), scheme=scheme)
        response = await client.send(request)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == AS2
        # Who may read depends on who signed: no shared cache may keep the answer.
        assert response.headers["cache-control"].startswith("private"), path
    actor = await client.send(signed_get(client, "/actors/alice", b, at=clock.now()))
    assert actor.json()["type"] == "Person"
    assert actor.json()["id"] == "http://testserver/actors/alice"
    # B requires signatures too, yet A could read its co-op actor to get the key.
    unsigned = await client.get(f"{b.live.url}/actors/bob", headers={"Accept": AS2})
    assert unsigned.status_code == 401


async def test_setting_on__the_coop_actor_and_discovery_stay_public(
    client: AsyncClient, ctx: AppContext, alice: Member
) -> None:
    await require_signed_fetch(ctx)
    coop = await client.get("/actors/coop", headers={"Accept": AS2})
    assert coop.status_code == 200
    assert coop.json()["type"] == "Organization"
    assert coop.headers["cache-control"] == "public, max-age=180"
    for path in (
        "/.well-known/webfinger?resource=acct:alice@testserver",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.1",
        "/.well-known/host-meta",
        "/.well-known/host-meta.json",
        "/ns/coopfed",
    ):
        assert (await client.get(path)).status_code == 200, path


async def test_setting_on__browsers_still_get_the_html_profile(
    client: AsyncClient, ctx: AppContext, alice: Member
) -> None:
    await require_signed_fetch(ctx)
    for path in ("/actors/alice", "/actors/coop"):
        page = await client.get(path, headers={"Accept": BROWSER})
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")


# --- two live instances, both with the setting on ------------------------------------------


async def test_live__two_instances_requiring_signatures_read_each_others_members(
    settings: Settings, b_settings: Settings
) -> None:
    a_settings = settings.replace(base_url="", port=0)
    await prepare(a_settings, member="alice", signed_fetch=True)
    await prepare(b_settings, member="bob", signed_fetch=True)
    with serve_in_thread(a_settings) as a, serve_in_thread(b_settings) as b_live:
        pairs = [
            (a, b_live, "bob"),  # A reads B's member, B fetches A's key to check
            (b_live, a, "alice"),  # and the other way round
        ]
        for reader, owner, name in pairs:
            key = await instance_key(reader.settings)
            url = LocalUrls.of(owner.url).actor(name)
            async with create_safe_client(user_agent="coopfed-test", allow_list=LOOPBACK) as http:
                with pytest.raises(BadResponse) as refused:
                    await http.fetch_object(url)
                assert refused.value.status == 401
                auth = DoubleKnockAuth(
                    key,
                    LocalUrls.of(reader.url).main_key("coop"),
                    SchemePreferences(),
                    clock=lambda: datetime.now(UTC),
                )
                fetched = await http.fetch_object(url, auth=auth)
            assert fetched.status == 200
            assert fetched.document is not None
            assert fetched.document["id"] == url
