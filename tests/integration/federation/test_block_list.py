"""Block list and allow-list mode, set from the admin page, the API and the command line, and
applied by the inbox (403 before any work) and by the safe client (no connection at all)."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from click.testing import CliRunner, Result
from httpx import AsyncClient
from sqlalchemy import select

from coopfed.cli import main
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from federation import inbox
from federation.httpsig import sign_httpx_request
from federation.models import FederationMode, HostPolicy, InboxItem, InboxStatus
from federation.net import BlockedHost
from federation.policy import load_config
from governance import audit
from governance.clock import ManualClock
from governance.member import Role
from tests.helpers import post_form, set_up_instance
from tests.integration.api.conftest import API, make_member, make_token

from .conftest import Peer, follow_from

PAGE = "/admin/federation"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The peer lives on loopback.
    return settings.replace(federation_allow_networks=("127.0.0.0/8",))


async def rules(ctx: AppContext) -> dict[str, str]:
    async with ctx.session() as db:
        return {r.host: r.rule.value for r in await db.scalars(select(HostPolicy))}


async def items(ctx: AppContext) -> list[InboxItem]:
    async with ctx.session() as db:
        return list(await db.scalars(select(InboxItem)))


async def deliver(
    client: AsyncClient, peer: Peer, clock: ManualClock, name: str = "alice", serial: str = "1"
) -> Any:
    activity = follow_from(peer, name, _Here(), serial=serial)  # type: ignore[arg-type]
    request = client.build_request(
        "POST",
        "/inbox",
        content=json.dumps(activity).encode(),
        headers={"Content-Type": "application/activity+json"},
    )
    sign_httpx_request(request, peer.actors[name].rsa, peer.rsa_key_id(name), now=clock.now())
    return await client.send(request)


class _Here:
    """Stands in for a live server: the app under test answers at http://testserver."""

    url = "http://testserver"


# --- web -----------------------------------------------------------------------------------


async def test_admin_page__blocks_and_unblocks_a_host(
    client: AsyncClient, ctx: AppContext, peer: Peer, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Blocked hosts" in page.text
    response = await post_form(
        client, f"{PAGE}/hosts", {"rule": "block", "host": "https://127.0.0.1/", "note": "spam"},
        from_page=PAGE,
    )
    assert response.status_code == 303
    assert await rules(ctx) == {"127.0.0.1": "block"}
    page = await client.get(PAGE)
    assert "<code>127.0.0.1</code>" in page.text and "spam" in page.text

    # The inbox refuses the host at once, and stores nothing.
    refused = await deliver(client, peer, clock)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "blocked_host"
    assert await items(ctx) == []

    response = await post_form(
        client, f"{PAGE}/hosts/remove", {"rule": "block", "host": "127.0.0.1"}, from_page=PAGE
    )
    assert response.status_code == 303
    assert await rules(ctx) == {}
    accepted = await deliver(client, peer, clock)
    assert accepted.status_code == 202, accepted.text
    assert len(await items(ctx)) == 1


async def test_admin_page__allowlist_mode_refuses_unlisted_hosts(
    client: AsyncClient, ctx: AppContext, peer: Peer, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    response = await post_form(
        client, f"{PAGE}/settings", {"mode": "allowlist", "require_signed_fetch": "on"},
        from_page=PAGE,
    )
    assert response.status_code == 303
    async with ctx.session() as db:
        config = await load_config(db)
    assert config is not None
    assert (config.mode, config.require_signed_fetch) == (FederationMode.ALLOWLIST, True)

    refused = await deliver(client, peer, clock, serial="a")
    assert refused.status_code == 403
    assert await items(ctx) == []

    await post_form(client, f"{PAGE}/hosts", {"rule": "allow", "host": "127.0.0.1"},
                    from_page=PAGE)
    accepted = await deliver(client, peer, clock, serial="b")
    assert accepted.status_code == 202, accepted.text
    page = await client.get(PAGE)
    assert "Allow-list mode is on" in page.text


async def test_admin_page__refuses_a_bad_host_and_non_admins(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    response = await post_form(client, f"{PAGE}/hosts", {"rule": "block", "host": "not a host"},
                               from_page=PAGE)
    assert response.status_code == 422
    assert "is not a host name" in response.text
    response = await post_form(client, f"{PAGE}/hosts/remove",
                               {"rule": "block", "host": "never.example"}, from_page=PAGE)
    assert response.status_code == 404
    assert await rules(ctx) == {}
    client.cookies.clear()
    anonymous = await client.get(PAGE)
    assert anonymous.status_code in (302, 303)


async def test_admin_page__shows_failed_items_and_retries_them(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    async with ctx.session() as db:
        stored_item = await inbox.store(
            db,
            activity_id="https://peer.example/activities/1",
            activity_type="Announce",
            actor="https://peer.example/users/x",
            payload={"type": "Announce"},
            recipient=None,
            key_id="https://peer.example/users/x#main-key",
            signature_scheme="cavage",
            now=clock.now(),
        )
        await db.commit()
    await inbox.InboxProcessor().run_once(ctx)
    page = await client.get(PAGE)
    assert "no handler for activity type &#39;Announce&#39;" in page.text
    item_id = stored_item.item_id
    response = await post_form(client, f"{PAGE}/inbox/{item_id}/retry", {}, from_page=PAGE)
    assert response.status_code == 303
    [item] = await items(ctx)
    assert item.status is InboxStatus.PENDING
    again = await post_form(client, f"{PAGE}/inbox/{item_id}/retry", {}, from_page=PAGE)
    assert again.status_code == 409


# --- API -----------------------------------------------------------------------------------


async def test_api__manages_the_policy_and_the_inbox(
    client: AsyncClient, ctx: AppContext, peer: Peer, clock: ManualClock
) -> None:
    admin = await make_member(ctx, role=Role.ADMIN)
    headers = {"Authorization": f"Bearer {await make_token(ctx, admin)}"}
    created = await client.post(
        f"{API}/federation/blocked-hosts",
        json={"host": "127.0.0.1", "note": "abuse"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["host"] == "127.0.0.1" and created.json()["rule"] == "block"
    assert (await deliver(client, peer, clock)).status_code == 403

    policy = await client.get(f"{API}/federation/policy", headers=headers)
    assert policy.json()["mode"] == "open"
    assert [r["host"] for r in policy.json()["blocked"]] == ["127.0.0.1"]

    assert (await client.delete(f"{API}/federation/blocked-hosts/127.0.0.1",
                                headers=headers)).status_code == 204
    missing = await client.delete(f"{API}/federation/blocked-hosts/127.0.0.1", headers=headers)
    assert missing.status_code == 404

    changed = await client.patch(f"{API}/federation/policy", json={"mode": "allowlist"},
                                 headers=headers)
    assert changed.status_code == 200 and changed.json()["mode"] == "allowlist"
    assert (await deliver(client, peer, clock, serial="x")).status_code == 403
    allowed = await client.post(f"{API}/federation/allowed-hosts", json={"host": "127.0.0.1"},
                                headers=headers)
    assert allowed.status_code == 201
    assert (await deliver(client, peer, clock, serial="y")).status_code == 202

    await inbox.InboxProcessor().run_once(ctx)
    failed = await client.get(f"{API}/federation/inbox?status=failed", headers=headers)
    [item] = failed.json()
    assert item["activity_type"] == "Follow" and item["status"] == "failed"
    retried = await client.post(f"{API}/federation/inbox/{item['id']}/retry", headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    bad = await client.get(f"{API}/federation/inbox?status=lost", headers=headers)
    assert bad.status_code == 422

    async with ctx.session() as db:
        actions = {e.action for e in await audit.page(db)}
    assert {"federation.block", "federation.unblock", "federation.mode", "federation.allow",
            "federation.inbox_retry"} <= actions


async def test_api__is_for_admins_only(client: AsyncClient, ctx: AppContext) -> None:
    member = await make_member(ctx)
    headers = {"Authorization": f"Bearer {await make_token(ctx, member)}"}
    response = await client.post(f"{API}/federation/blocked-hosts", json={"host": "x.example"},
                                 headers=headers)
    assert response.status_code == 403
    assert (await client.get(f"{API}/federation/policy")).status_code == 401
    assert await rules(ctx) == {}


async def test_api__refuses_a_bad_host(client: AsyncClient, ctx: AppContext) -> None:
    admin = await make_member(ctx, role=Role.ADMIN)
    headers = {"Authorization": f"Bearer {await make_token(ctx, admin)}"}
    response = await client.post(f"{API}/federation/blocked-hosts", json={"host": "a b"},
                                 headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_host"


# --- the safe client -----------------------------------------------------------------------


async def test_the_safe_client__obeys_the_same_policy(
    client: AsyncClient, ctx: AppContext, peer: Peer, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    await post_form(client, f"{PAGE}/hosts", {"rule": "block", "host": "127.0.0.1"},
                    from_page=PAGE)
    assert ctx.remote is not None
    seen = len(peer.seen)
    with pytest.raises(BlockedHost):
        await ctx.remote.client.fetch_object(peer.actor_id("alice"))
    assert len(peer.seen) == seen  # refused before connecting
    await post_form(client, f"{PAGE}/hosts/remove", {"rule": "block", "host": "127.0.0.1"},
                    from_page=PAGE)
    result = await ctx.remote.client.fetch_object(peer.actor_id("alice"))
    assert result.document is not None and result.document["id"] == peer.actor_id("alice")


# --- command line --------------------------------------------------------------------------


def cli(settings: Settings, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COOPFED_")}
    if settings.database_url:
        env["COOPFED_DATABASE_URL"] = settings.database_url
    return CliRunner().invoke(main, [*args, "--data-dir", str(settings.data_dir)], env=env)


def stored_rules(settings: Settings) -> dict[str, str]:
    async def read() -> dict[str, str]:
        ctx = build_context(settings)
        try:
            return await rules(ctx)
        finally:
            await ctx.dispose()

    return asyncio.run(read())


def test_cli__blocks_allows_and_lists(settings: Settings) -> None:
    result = cli(settings, "federation", "block", "Bad.Example.", "--note", "spam")
    assert result.exit_code == 0, result.output
    assert "Blocked bad.example" in result.output
    assert cli(settings, "federation", "allow", "partner.example").exit_code == 0
    result = cli(settings, "federation", "mode", "allowlist")
    assert result.exit_code == 0 and "allowlist" in result.output
    listed = cli(settings, "federation", "list")
    assert listed.exit_code == 0
    assert "mode: allowlist" in listed.output
    assert "bad.example" in listed.output and "spam" in listed.output
    assert "partner.example" in listed.output
    assert stored_rules(settings) == {"bad.example": "block", "partner.example": "allow"}

    assert cli(settings, "federation", "unblock", "bad.example").exit_code == 0
    assert cli(settings, "federation", "disallow", "partner.example").exit_code == 0
    assert stored_rules(settings) == {}
    missing = cli(settings, "federation", "unblock", "bad.example")
    assert missing.exit_code == 1
    assert "not on the block list" in missing.output
    invalid = cli(settings, "federation", "block", "not a host")
    assert invalid.exit_code == 1 and "is not a host name" in invalid.output
