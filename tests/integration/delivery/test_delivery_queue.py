"""The delivery queue against a real inbox server on loopback that checks every signature:
delivery, signature-scheme fallback, retries, Retry-After, final refusals, 410 Gone, giving
up after three days, leases after a crash, and the transactional outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopfed.context import AppContext
from coopfed.delivery_job import DeliverActivities
from federation.delivery import outbox
from federation.delivery.claim import claim_due
from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus, SignatureScheme
from federation.delivery.outbox import host_key
from federation.delivery.schedule import BASE_DELAY, RETRY_WINDOW
from federation.follow.model import Follower, FollowState
from federation.httpsig import format_http_date
from federation.models import OutboxActivity
from governance.clock import ManualClock
from tests.integration.delivery.conftest import Receiver, note_activity


async def publish(ctx: AppContext, inboxes: list[str], serial: str = "1") -> int:
    async with ctx.session() as db:
        row = await outbox.publish(
            db,
            actor="instance",
            activity=note_activity(ctx, serial),
            inboxes=inboxes,
            now=ctx.clock.now(),
        )
        await db.commit()
        return row.id


async def step(ctx: AppContext) -> int:
    return await DeliverActivities().run_once(ctx)


async def deliveries(ctx: AppContext) -> list[Delivery]:
    async with ctx.session() as db:
        return list(await db.scalars(select(Delivery).order_by(Delivery.id)))


async def host_row(ctx: AppContext, url: str) -> DeliveryHost | None:
    async with ctx.session() as db:
        return await db.get(DeliveryHost, host_key(url))


async def test_deliver__posts_each_inbox_once_signed_with_rfc9421(
    ctx: AppContext, receiver: Receiver
) -> None:
    await publish(ctx, [receiver.inbox("a"), receiver.inbox("b"), receiver.inbox("a")])
    assert await step(ctx) == 2
    assert sorted((r.inbox, r.scheme) for r in receiver.received) == [
        ("a", "rfc9421"),
        ("b", "rfc9421"),
    ]
    rows = await deliveries(ctx)
    assert [(r.status, r.attempts, r.last_status) for r in rows] == [
        (DeliveryStatus.DELIVERED, 1, 202),
        (DeliveryStatus.DELIVERED, 1, 202),
    ]
    assert all(r.delivered_at == ctx.clock.now() and r.claimed_until is None for r in rows)
    host = await host_row(ctx, receiver.url)
    assert host is not None and host.signature_scheme is SignatureScheme.RFC9421
    assert host.last_success_at == ctx.clock.now() and host.consecutive_failures == 0
    assert await step(ctx) == 0  # nothing left, nothing sent twice
    assert len(receiver.received) == 2


async def test_deliver__falls_back_to_cavage_and_remembers_it_for_the_host(
    ctx: AppContext, receiver: Receiver
) -> None:
    receiver.cavage_only.add("old")
    await publish(ctx, [receiver.inbox("old")], serial="1")
    await step(ctx)
    assert [(r.inbox, r.scheme) for r in receiver.received] == [("old", "cavage")]
    assert receiver.refused == [("old", "rfc9421 not understood")]
    host = await host_row(ctx, receiver.url)
    assert host is not None and host.signature_scheme is SignatureScheme.CAVAGE

    await publish(ctx, [receiver.inbox("old")], serial="2")
    await step(ctx)  # a new pass: the scheme comes from the database
    assert [r.scheme for r in receiver.received] == ["cavage", "cavage"]
    assert len(receiver.refused) == 1  # no second knock needed


async def test_deliver__a_5xx_is_retried_after_the_backoff_then_delivered(
    ctx: AppContext, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.script["a"] = [(503, {}), (500, {})]
    await publish(ctx, [receiver.inbox("a")])
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.status, row.attempts, row.last_status) == (DeliveryStatus.PENDING, 1, 503)
    assert row.last_error is not None and row.last_error.startswith("HTTP 503")
    assert row.next_attempt_at == clock.now() + BASE_DELAY  # first step: exactly 30 s
    assert await step(ctx) == 0  # not due yet
    clock.advance(BASE_DELAY)
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.attempts, row.last_status) == (2, 500)
    assert BASE_DELAY <= row.next_attempt_at - clock.now() <= 2 * BASE_DELAY
    clock.advance(2 * BASE_DELAY)
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.status, row.attempts, row.last_status) == (DeliveryStatus.DELIVERED, 3, 202)
    assert row.last_error is None
    assert receiver.hits["a"] == 3 and len(receiver.received) == 1


@pytest.mark.parametrize("kind", ["seconds", "http-date"])
async def test_deliver__honours_retry_after(
    ctx: AppContext, receiver: Receiver, clock: ManualClock, kind: str
) -> None:
    wait = timedelta(hours=2)
    value = "7200" if kind == "seconds" else format_http_date(clock.now() + wait)
    receiver.script["busy"] = [(429, {"Retry-After": value})]
    await publish(ctx, [receiver.inbox("busy")])
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.status, row.last_status) == (DeliveryStatus.PENDING, 429)
    assert row.next_attempt_at == clock.now() + wait
    clock.advance(wait - timedelta(seconds=1))
    assert await step(ctx) == 0
    clock.advance(timedelta(seconds=1))
    assert await step(ctx) == 1
    assert [r.inbox for r in receiver.received] == ["busy"]


@pytest.mark.parametrize("status", [400, 403, 404, 422])
async def test_deliver__a_4xx_is_final(
    ctx: AppContext, receiver: Receiver, clock: ManualClock, status: int
) -> None:
    receiver.script["no"] = [(status, {})] * 2  # 400 is asked again, signed with cavage
    await publish(ctx, [receiver.inbox("no")])
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.status, row.attempts, row.last_status) == (DeliveryStatus.FAILED, 1, status)
    assert row.last_error == f"HTTP {status}: scripted"
    clock.advance(timedelta(days=1))
    assert await step(ctx) == 0
    assert receiver.hits["no"] == (2 if status == 400 else 1)


@pytest.mark.parametrize("status", [408, 429])
async def test_deliver__408_and_429_are_retried(
    ctx: AppContext, receiver: Receiver, status: int
) -> None:
    receiver.script["later"] = [(status, {})]
    await publish(ctx, [receiver.inbox("later")])
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert (row.status, row.last_status) == (DeliveryStatus.PENDING, status)


async def test_deliver__410_gone_fails_and_removes_the_follower(
    ctx: AppContext, receiver: Receiver
) -> None:
    gone, kept = receiver.inbox("gone"), receiver.inbox("kept")
    async with ctx.session() as db:
        for name, inbox in (("gone", gone), ("kept", kept)):
            db.add(
                Follower(
                    local_actor="coop",
                    actor_uri=f"{receiver.url}/users/{name}",
                    inbox_url=inbox,
                    follow_activity_id=f"{receiver.url}/follows/{name}",
                    state=FollowState.ACCEPTED,
                    created_at=ctx.clock.now(),
                )
            )
        await db.commit()
        inboxes = await outbox.followers_inboxes(db, "coop")
    assert inboxes == [gone, kept]
    receiver.script["gone"] = [(410, {})]
    await publish(ctx, inboxes)
    await step(ctx)
    rows = {r.inbox_url: r for r in await deliveries(ctx)}
    assert (rows[gone].status, rows[gone].last_status) == (DeliveryStatus.FAILED, 410)
    assert rows[kept].status is DeliveryStatus.DELIVERED
    async with ctx.session() as db:
        assert await outbox.followers_inboxes(db, "coop") == [kept]


async def test_deliver__gives_up_only_after_three_days_of_retries(
    ctx: AppContext, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.script["down"] = [(503, {})] * 500
    created = clock.now()
    await publish(ctx, [receiver.inbox("down")])
    times: list[datetime] = []
    while True:
        times.append(clock.now())
        await step(ctx)
        (row,) = await deliveries(ctx)
        if row.status is not DeliveryStatus.PENDING:
            break
        gap = row.next_attempt_at - clock.now()
        assert BASE_DELAY <= gap <= timedelta(hours=6)
        host = await host_row(ctx, receiver.url)  # the breaker may hold the host longer
        assert host is not None
        due = max(row.next_attempt_at, host.paused_until or row.next_attempt_at)
        clock.advance(due - clock.now())
    assert row.status is DeliveryStatus.FAILED
    assert row.last_error is not None and row.last_error.startswith("gave up")
    assert times[-1] - created >= RETRY_WINDOW
    assert times[-2] - created < RETRY_WINDOW
    assert row.attempts == len(times) == receiver.hits["down"]
    assert 10 <= row.attempts <= 60


async def test_lease__a_crashed_workers_claims_are_retaken_once_they_expire(
    ctx: AppContext, receiver: Receiver, clock: ManualClock
) -> None:
    await publish(ctx, [receiver.inbox(f"i{n}") for n in range(5)])
    lease = timedelta(minutes=5)
    async with ctx.session() as db:  # a worker claims, then dies before sending anything
        claim = await claim_due(db, now=clock.now(), limit=3, lease=lease)
        await db.commit()
    assert len(claim.deliveries) == 3
    assert await step(ctx) == 2  # the other two
    clock.advance(lease - timedelta(seconds=1))
    assert await step(ctx) == 0  # still claimed
    clock.advance(timedelta(seconds=1))
    assert await step(ctx) == 3
    assert {r.status for r in await deliveries(ctx)} == {DeliveryStatus.DELIVERED}
    assert receiver.applied() == {f"i{n}": 1 for n in range(5)}


async def test_outbox__rolls_back_with_the_change_that_caused_it(ctx: AppContext) -> None:
    async with ctx.session() as db:
        db.add(
            Follower(
                local_actor="coop",
                actor_uri="https://peer.example/users/x",
                inbox_url="https://peer.example/users/x/inbox",
                follow_activity_id="https://peer.example/follows/x",
                state=FollowState.ACCEPTED,
                created_at=ctx.clock.now(),
            )
        )
        await outbox.publish(
            db,
            actor="instance",
            activity=note_activity(ctx, "rolled-back"),
            inboxes=["https://peer.example/users/x/inbox"],
            now=ctx.clock.now(),
        )
        await db.rollback()
    async with ctx.session() as db:
        for model in (Follower, OutboxActivity, Delivery):
            assert await db.scalar(select(func.count()).select_from(model)) == 0


async def test_outbox__refuses_a_bad_inbox_and_keeps_nothing(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(outbox.BadInbox, match="not an absolute http"):
            await outbox.publish(
                db,
                actor="instance",
                activity=note_activity(ctx, "bad"),
                inboxes=["https://ok.example/inbox", "ftp://nope.example/inbox"],
                now=ctx.clock.now(),
            )
        await db.commit()
        assert await db.scalar(select(func.count()).select_from(OutboxActivity)) == 0
        assert await db.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_deliver__a_blocked_host_is_refused_locally_and_final(
    ctx: AppContext, receiver: Receiver
) -> None:
    async with ctx.session() as db:
        await ctx.policy.block(db, "127.0.0.1", note="", by=None, now=ctx.clock.now())
        await db.commit()
    await publish(ctx, [receiver.inbox("a")])
    await step(ctx)
    (row,) = await deliveries(ctx)
    assert row.status is DeliveryStatus.FAILED and row.last_status is None
    assert row.last_error is not None and "blocked" in row.last_error
    assert receiver.hits["a"] == 0


async def test_key_rotation__delivers_the_actor_update_to_accepted_followers(
    ctx: AppContext, receiver: Receiver
) -> None:
    from federation import actor as actors
    from federation import keys
    from federation.actor import COOP_NAME, LocalUrls
    from federation.rotation import rotate

    urls = LocalUrls.of(ctx.settings.effective_base_url)
    async with ctx.session() as db:
        for name, state in (("f1", FollowState.ACCEPTED), ("f2", FollowState.PENDING)):
            db.add(
                Follower(
                    local_actor=COOP_NAME,
                    actor_uri=f"{receiver.url}/users/{name}",
                    inbox_url=receiver.inbox(name),
                    follow_activity_id=f"{receiver.url}/follows/{name}",
                    state=state,
                    created_at=ctx.clock.now(),
                )
            )
        _found, coop = await actors.lookup(db, COOP_NAME)
        assert coop is not None
        done = await rotate(db, urls, coop, now=ctx.clock.now())
        await db.commit()
        new_key = (await keys.current(db, keys.INSTANCE_ACTOR))[keys.KeyType.RSA]
    receiver.trust(urls.main_key(COOP_NAME), new_key.public_pem, urls.actor(COOP_NAME))
    await step(ctx)
    assert [(r.inbox, r.activity_id) for r in receiver.received] == [
        ("f1", done.activity.activity_id)
    ]
