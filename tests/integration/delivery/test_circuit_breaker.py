"""The circuit breaker: a host that keeps failing is paused, its deliveries wait without
using up attempts, other hosts go on, and one probe after the pause decides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopfed.context import AppContext
from coopfed.delivery_job import DeliverActivities
from coopfed.settings import Settings
from federation.delivery import outbox
from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus
from federation.delivery.outbox import host_key
from federation.delivery.schedule import BREAKER_THRESHOLD, breaker_pause
from governance.clock import ManualClock
from tests.integration.delivery.conftest import Receiver, note_activity

DEAD = "http://127.0.0.2:9"  # loopback, allow-listed, nothing listens: connection refused


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # One request at a time per host, so that the counts below do not depend on timing.
    return settings.replace(delivery_host_concurrency=1)


async def publish(ctx: AppContext, inboxes: list[str], serial: str) -> None:
    async with ctx.session() as db:
        await outbox.publish(
            db,
            actor="instance",
            activity=note_activity(ctx, serial),
            inboxes=inboxes,
            now=ctx.clock.now(),
        )
        await db.commit()


async def state(ctx: AppContext) -> tuple[DeliveryHost | None, list[Delivery]]:
    async with ctx.session() as db:
        host = await db.get(DeliveryHost, host_key(DEAD))
        rows = list(
            await db.scalars(
                select(Delivery).where(Delivery.host == host_key(DEAD)).order_by(Delivery.id)
            )
        )
        return host, rows


async def test_breaker__pauses_a_failing_host_probes_it_and_resumes(
    ctx: AppContext, receiver: Receiver, clock: ManualClock
) -> None:
    job = DeliverActivities()
    # Eight activities, each to the dead host and to a live one.
    for n in range(BREAKER_THRESHOLD + 3):
        await publish(ctx, [f"{DEAD}/inbox/{n}", receiver.inbox(f"live{n}")], serial=str(n))
    await job.run_once(ctx)

    host, rows = await state(ctx)
    assert host is not None
    assert host.consecutive_failures == BREAKER_THRESHOLD
    pause = breaker_pause(BREAKER_THRESHOLD)
    assert pause is not None and host.paused_until == clock.now() + pause
    assert host.last_error is not None and "127.0.0.2" in host.last_error
    # The live host got everything; the dead one was tried at most the threshold's worth of
    # times, the rest handed back without using an attempt.
    assert len(receiver.received) == BREAKER_THRESHOLD + 3
    assert sum(r.attempts for r in rows) == BREAKER_THRESHOLD
    assert {r.status for r in rows} == {DeliveryStatus.PENDING}
    assert all(r.claimed_until is None for r in rows)

    # Paused: due retries are not attempted, a new activity for the host waits too.
    await publish(ctx, [f"{DEAD}/inbox/new", receiver.inbox("live-new")], serial="new")
    clock.advance(pause - timedelta(seconds=1))
    await job.run_once(ctx)
    _host, rows = await state(ctx)
    assert sum(r.attempts for r in rows) == BREAKER_THRESHOLD
    assert [r.inbox for r in receiver.received][-1] == "live-new"  # others never wait

    # Pause over: exactly one probe; it fails, the pause doubles.
    clock.advance(timedelta(seconds=1))
    await job.run_once(ctx)
    host, rows = await state(ctx)
    assert host is not None
    assert sum(r.attempts for r in rows) == BREAKER_THRESHOLD + 1
    assert host.consecutive_failures == BREAKER_THRESHOLD + 1
    longer = breaker_pause(BREAKER_THRESHOLD + 1)
    assert longer is not None and longer == 2 * pause
    assert host.paused_until == clock.now() + longer


async def test_breaker__a_successful_probe_resumes_the_host(
    ctx: AppContext, receiver: Receiver, clock: ManualClock
) -> None:
    job = DeliverActivities()
    receiver.script.update({f"flaky{n}": [(503, {})] for n in range(BREAKER_THRESHOLD)})
    await publish(ctx, [receiver.inbox(f"flaky{n}") for n in range(BREAKER_THRESHOLD)], "1")
    await job.run_once(ctx)
    async with ctx.session() as db:
        host = await db.get(DeliveryHost, host_key(receiver.url))
    assert host is not None and host.paused_until is not None
    assert host.consecutive_failures == BREAKER_THRESHOLD
    clock.advance(host.paused_until - clock.now())
    # The probe succeeds (the host answers 202 again); the others keep their own backoff.
    await job.run_once(ctx)
    assert len(receiver.received) == 1
    async with ctx.session() as db:
        host = await db.get(DeliveryHost, host_key(receiver.url))
    assert host is not None
    assert (host.consecutive_failures, host.paused_until) == (0, None)
    clock.advance(timedelta(hours=1))  # the others' own backoff
    await job.run_once(ctx)
    assert receiver.applied() == {f"flaky{n}": 1 for n in range(BREAKER_THRESHOLD)}
