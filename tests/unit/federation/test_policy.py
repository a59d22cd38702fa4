"""The federation policy: host rules, allow-list mode, the in-memory cache and its invalidation,
and the safe client asking it before it connects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from coopfed.context import AppContext
from federation.models import FederationMode, HostPolicy
from federation.net import BlockedHost, create_safe_client
from federation.policy import (
    EMPTY,
    FederationPolicy,
    InvalidHost,
    PolicyNotLoaded,
    PolicySnapshot,
    RuleNotFound,
    host_candidates,
    host_of_url,
    normalize_rule_host,
)
from governance import audit
from governance.clock import ManualClock
from tests.unit.federation.net.loopback import LoopbackServer, Reply

# --- hosts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("peer.example", "peer.example"),
        ("  Peer.Example. ", "peer.example"),
        ("https://peer.example/users/alice#main-key", "peer.example"),
        ("peer.example:8443", "peer.example"),
        ("peer.example/some/path", "peer.example"),
        ("*.peer.example", "peer.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("10.1.2.3", "10.1.2.3"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("http://[2001:db8::1]:8080/x", "2001:db8::1"),
    ],
)
def test_normalize_rule_host__gives_the_bare_host(text: str, host: str) -> None:
    assert normalize_rule_host(text) == host


@pytest.mark.parametrize(
    "text", ["", "   ", "peer..example", "-peer.example", "peer example", "ftp://", "alice@peer.example"]
)
def test_normalize_rule_host__refuses_what_is_not_a_host(text: str) -> None:
    with pytest.raises(InvalidHost):
        normalize_rule_host(text)


def test_host_candidates__are_the_host_and_its_parents() -> None:
    assert host_candidates("a.b.example") == ("a.b.example", "b.example", "example")
    assert host_candidates("10.0.0.1") == ("10.0.0.1",)


def test_host_of_url__only_for_http_urls() -> None:
    assert host_of_url("https://Peer.Example:8443/x") == "peer.example"
    assert host_of_url("mailto:someone@peer.example") is None
    assert host_of_url("not a url") is None


# --- snapshots -----------------------------------------------------------------------------


def snapshot(
    mode: FederationMode = FederationMode.OPEN,
    blocked: tuple[str, ...] = (),
    allowed: tuple[str, ...] = (),
) -> PolicySnapshot:
    return PolicySnapshot(mode, False, frozenset(blocked), frozenset(allowed), None)


def test_open_mode__federates_with_all_but_blocked_hosts_and_their_subdomains() -> None:
    policy = snapshot(blocked=("bad.example",))
    assert policy.may_federate("good.example")
    assert not policy.may_federate("bad.example")
    assert not policy.may_federate("social.bad.example")
    assert not policy.may_federate("BAD.example.")
    assert policy.may_federate("notbad.example")


def test_allowlist_mode__federates_only_with_allowed_hosts() -> None:
    policy = snapshot(FederationMode.ALLOWLIST, allowed=("partner.example",))
    assert policy.may_federate("partner.example")
    assert policy.may_federate("social.partner.example")
    assert not policy.may_federate("stranger.example")


def test_a_block_wins_over_an_allow() -> None:
    policy = snapshot(FederationMode.ALLOWLIST, blocked=("x.partner.example",),
                      allowed=("partner.example",))
    assert not policy.may_federate("x.partner.example")
    assert policy.may_federate("y.partner.example")


def test_ip_rules_match_only_that_address() -> None:
    policy = snapshot(blocked=("10.0.0.1",))
    assert not policy.may_federate("10.0.0.1")
    assert policy.may_federate("10.0.0.2")


def test_empty_policy__is_open() -> None:
    assert EMPTY.may_federate("anything.example")
    assert not EMPTY.may_federate("")


# --- the cache -----------------------------------------------------------------------------


def test_may_federate__before_loading_is_a_wiring_error() -> None:
    with pytest.raises(PolicyNotLoaded):
        FederationPolicy().may_federate("peer.example")


async def test_block__applies_in_memory_as_soon_as_it_commits(
    ctx: AppContext, clock: ManualClock
) -> None:
    policy = FederationPolicy()
    async with ctx.session() as db:
        await policy.ensure_fresh(db)
        assert policy.may_federate("bad.example")
        await policy.block(db, "bad.example", note="spam", by=None, now=clock.now())
        assert policy.may_federate("bad.example"), "not committed yet"
        await db.commit()
    # No ensure_fresh: the safe client asks synchronously, and must obey at once.
    assert not policy.may_federate("bad.example")
    assert not policy.may_federate("www.bad.example")
    assert policy.due()
    async with ctx.session() as db:
        await policy.ensure_fresh(db)
    assert not policy.may_federate("bad.example")


async def test_a_rolled_back_change__leaves_the_policy_alone(
    ctx: AppContext, clock: ManualClock
) -> None:
    policy = FederationPolicy()
    async with ctx.session() as db:
        await policy.reload(db)
        await policy.block(db, "bad.example", by=None, now=clock.now())
        await db.rollback()
        await policy.allow(db, "good.example", by=None, now=clock.now())
        await db.commit()  # a later commit of the same session must not revive the block
    assert policy.may_federate("bad.example")
    async with ctx.session() as db:
        await policy.ensure_fresh(db)
    assert policy.may_federate("bad.example")


async def test_a_change_by_another_process__is_seen_after_the_check_interval(
    ctx: AppContext, clock: ManualClock
) -> None:
    ticks = [100.0]
    web = FederationPolicy(check_interval=5.0, monotonic=lambda: ticks[0])
    cli = FederationPolicy()
    async with ctx.session() as db:
        await web.ensure_fresh(db)
    async with ctx.session() as db:
        await cli.block(db, "bad.example", by=None, now=clock.now())
        await db.commit()
    async with ctx.session() as db:
        await web.ensure_fresh(db)
        assert web.may_federate("bad.example"), "checked less than 5 s ago: still cached"
        ticks[0] += 5.0
        await web.ensure_fresh(db)
        assert not web.may_federate("bad.example")


async def test_changes_in_the_same_instant__still_bump_the_version(
    ctx: AppContext, clock: ManualClock
) -> None:
    ticks = [0.0]
    web = FederationPolicy(check_interval=1.0, monotonic=lambda: ticks[0])
    cli = FederationPolicy()
    async with ctx.session() as db:
        await cli.block(db, "one.example", by=None, now=clock.now())
        await db.commit()
    async with ctx.session() as db:
        await web.ensure_fresh(db)
    async with ctx.session() as db:
        await cli.block(db, "two.example", by=None, now=clock.now())  # the clock stands still
        await db.commit()
    ticks[0] += 1.0
    async with ctx.session() as db:
        await web.ensure_fresh(db)
    assert not web.may_federate("two.example")


async def test_mode__allowlist_refuses_unlisted_hosts(ctx: AppContext, clock: ManualClock) -> None:
    async with ctx.session() as db:
        await ctx.policy.allow(db, "partner.example", by=None, now=clock.now())
        await ctx.policy.set_mode(db, FederationMode.ALLOWLIST, by=None, now=clock.now())
        await db.commit()
        await ctx.policy.ensure_fresh(db)
    assert ctx.policy.may_federate("partner.example")
    assert not ctx.policy.may_federate("stranger.example")
    async with ctx.session() as db:
        await ctx.policy.set_mode(db, FederationMode.OPEN, by=None, now=clock.now())
        await db.commit()
        await ctx.policy.ensure_fresh(db)
    assert ctx.policy.may_federate("stranger.example")


async def test_block__replaces_an_allow_and_every_change_is_audited(
    ctx: AppContext, clock: ManualClock
) -> None:
    async with ctx.session() as db:
        await ctx.policy.allow(db, "peer.example", note="partner", by=None, now=clock.now())
        await ctx.policy.block(db, "https://PEER.example/", note="went rogue", by=None,
                               now=clock.now())
        await db.commit()
        rows = list(await db.scalars(select(HostPolicy)))
        assert [(r.host, r.rule.value, r.note) for r in rows] == [
            ("peer.example", "block", "went rogue")
        ]
        with pytest.raises(RuleNotFound):
            await ctx.policy.disallow(db, "peer.example", by=None, now=clock.now())
        await ctx.policy.unblock(db, "peer.example", by=None, now=clock.now())
        await db.commit()
        actions = [e.action for e in reversed(await audit.page(db))]
    assert actions == ["federation.allow", "federation.block", "federation.unblock"]


async def test_unblock__of_an_unknown_host_is_refused(ctx: AppContext, clock: ManualClock) -> None:
    async with ctx.session() as db:
        with pytest.raises(RuleNotFound):
            await ctx.policy.unblock(db, "never.example", by=None, now=clock.now())


# --- the safe client asks the policy -------------------------------------------------------


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    srv = LoopbackServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


async def test_safe_client__refuses_a_blocked_host_before_connecting(
    ctx: AppContext, clock: ManualClock, server: LoopbackServer
) -> None:
    url = server.route("/users/alice", Reply(200, [("Content-Type", "application/activity+json")],
                                             b"{}"))
    async with ctx.session() as db:
        await ctx.policy.block(db, "127.0.0.1", by=None, now=clock.now())
        await db.commit()
        await ctx.policy.ensure_fresh(db)
    client = create_safe_client(
        user_agent="coopfed-test", allow_list=["127.0.0.0/8"], host_policy=ctx.policy.may_federate
    )
    async with client:
        with pytest.raises(BlockedHost):
            await client.fetch_object(url)
        assert server.connections == 0
        async with ctx.session() as db:
            await ctx.policy.unblock(db, "127.0.0.1", by=None, now=clock.now() + timedelta(1))
            await db.commit()
            await ctx.policy.ensure_fresh(db)
        result = await client.fetch_object(url)
    assert result.document == {}
    assert server.connections == 1
