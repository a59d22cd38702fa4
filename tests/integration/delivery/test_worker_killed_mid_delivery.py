"""A ``coopfed worker`` process is killed (SIGKILL) while fanning one activity out to many
inboxes. After a restart every delivery completes, and the receiver's dedup shows that no
inbox applied the activity twice (a POST that was in flight at the kill may arrive twice:
delivery is at least once, its effect exactly once)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import IO

from sqlalchemy import select

from coopfed.context import AppContext
from coopfed.delivery_job import DeliverActivities
from coopfed.settings import Settings
from federation.delivery import outbox
from federation.delivery.model import Delivery, DeliveryStatus
from federation.delivery.runner import DeliveryOptions
from governance.clock import ManualClock, SystemClock
from tests.integration.delivery.conftest import LOOPBACK, Receiver, note_activity

INBOXES = 120
KILL_AFTER = 50  # deliveries received before the kill
WAIT = 90.0  # seconds, for the worker process to get going


def start_worker(settings: Settings, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPFED_")}
    env.update(
        COOPFED_BASE_URL=settings.effective_base_url,
        COOPFED_FEDERATION_ALLOW_NETWORKS=",".join(LOOPBACK),
        COOPFED_DELIVERY_CONCURRENCY="4",
        COOPFED_DELIVERY_HOST_CONCURRENCY="4",
        COOPFED_WORKER_INTERVAL="0.2",
        COOPFED_LOG_LEVEL="warning",
    )
    if settings.database_url:
        env["COOPFED_DATABASE_URL"] = settings.database_url
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from coopfed.cli import main; main()",
            "worker",
            "--data-dir",
            str(settings.data_dir),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def rows(ctx: AppContext) -> list[Delivery]:
    async with ctx.session() as db:
        return list(await db.scalars(select(Delivery).order_by(Delivery.id)))


async def test_worker_killed_mid_delivery__every_inbox_applies_the_activity_exactly_once(
    ctx: AppContext, settings: Settings, receiver: Receiver, clock: ManualClock
) -> None:
    names = [f"member{n}" for n in range(INBOXES)]
    async with ctx.session() as db:
        row = await outbox.publish(
            db,
            actor="instance",
            activity=note_activity(ctx, "fan-out"),
            inboxes=[receiver.inbox(name) for name in names],
            now=clock.now(),
        )
        await db.commit()
    activity_id = row.activity_id

    # The worker process signs with the real clock; the receiver checks with it too, and is
    # slow enough that the fan-out is still under way when the process dies.
    receiver.clock = SystemClock()
    receiver.delay = 0.05
    log_path = settings.data_dir / "worker.log"
    with log_path.open("wb") as log:
        process = start_worker(settings, log)
        try:
            deadline = time.monotonic() + WAIT
            while len(receiver.received) < KILL_AFTER:
                if process.poll() is not None:
                    raise AssertionError(log_path.read_text("utf-8", "replace"))
                assert time.monotonic() < deadline, "the worker delivered too little in time"
                await asyncio.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    killed_at = datetime.now(UTC)
    await asyncio.sleep(2 * receiver.delay)  # let requests the dead process left behind finish

    before = await rows(ctx)
    delivered_before = sum(1 for r in before if r.status is DeliveryStatus.DELIVERED)
    claimed = [r for r in before if r.status is DeliveryStatus.PENDING and r.claimed_until]
    assert 0 < delivered_before < INBOXES  # really killed in the middle
    assert claimed  # it died holding claims

    # Restart (in this process, stepped): the dead worker's leases have run out by then.
    clock.set(killed_at + DeliveryOptions().lease + timedelta(seconds=1))
    receiver.clock = clock
    receiver.delay = 0.0
    handled = await DeliverActivities().run_once(ctx)
    assert handled == INBOXES - delivered_before

    after = await rows(ctx)
    assert {r.status for r in after} == {DeliveryStatus.DELIVERED}
    applied = receiver.applied()
    assert applied == Counter({name: 1 for name in names})  # every inbox, once in effect
    assert {r.activity_id for r in receiver.received} == {activity_id}
    duplicates = len(receiver.received) - INBOXES
    print(
        f"killed with {delivered_before}/{INBOXES} recorded delivered, {len(claimed)} claimed;"
        f" after restart: {INBOXES} applied once, {duplicates} duplicate POSTs ignored"
    )
    assert 0 <= duplicates <= len(claimed)  # only POSTs in flight at the kill, if any
