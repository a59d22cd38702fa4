"""Claiming due deliveries for one worker, so that several workers share the queue.

A delivery is due when it is ``pending``, its ``next_attempt_at`` has come, nobody holds a
live claim on it (``claimed_until`` is empty or past) and its host is not paused. A claim
sets ``claimed_until = now + lease``: a worker that dies mid-send leaves the row to be
claimed again once the lease runs out (the receiver's dedup by activity id makes the second
send harmless).

On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``: concurrent workers skip each
other's rows instead of waiting or claiming them twice. On SQLite every transaction starts
with ``BEGIN IMMEDIATE`` (``coopfed.db``), so claims are serialised by the write lock.

A host whose breaker has tripped and whose pause is over is "half-open": one delivery is
claimed as its probe, and the host stays paused (for the lease) while the probe is out, so
no other worker sends it anything else until the probe has decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus
from federation.delivery.schedule import BREAKER_THRESHOLD
from federation.models import OutboxActivity

__all__ = ["Claim", "Claimed", "any_due", "claim_due"]


@dataclass(frozen=True)
class Claimed:
    """One claimed delivery, detached from the session."""

    id: int
    outbox_id: int
    inbox_url: str
    host: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    probe: bool = False  # the one delivery that tests a host whose breaker tripped


@dataclass(frozen=True)
class Outgoing:
    """The activity a batch of deliveries sends: whose key signs it, and its JSON."""

    outbox_id: int
    actor: str  # key owner ("instance", "member:7")
    actor_url: str  # the activity's ``actor``: the key id is ``<actor_url>#main-key``
    payload: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """What one claim took: the deliveries and the activities they carry."""

    deliveries: list[Claimed]
    activities: dict[int, Outgoing]


def _due(now: datetime) -> list[ColumnElement[bool]]:
    paused = exists().where(DeliveryHost.host == Delivery.host, DeliveryHost.paused_until > now)
    return [
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.next_attempt_at <= now,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
        ~paused,
    ]


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether some delivery is due (a cheap look before a worker opens connections)."""
    found = await session.scalar(select(Delivery.id).where(*_due(now)).limit(1))
    return found is not None


async def claim_due(session: AsyncSession, *, now: datetime, limit: int, lease: timedelta) -> Claim:
    """Claim up to ``limit`` due deliveries (oldest due first) in the session's transaction;
    the caller commits at once so the claims become visible."""
    connection = await session.connection()
    postgres = connection.dialect.name == "postgresql"
    query = (
        select(Delivery)
        .where(*_due(now))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=Delivery)
    rows = list(await session.scalars(query))
    if not rows:
        return Claim([], {})
    rows, probes = await _one_probe_per_tripped_host(
        session, rows, now=now, lease=lease, lock=postgres
    )
    until = now + lease
    ids = [row.id for row in rows]
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    outbox_ids = sorted({row.outbox_id for row in rows})
    activities = {
        row.id: Outgoing(
            outbox_id=row.id,
            actor=row.actor,
            actor_url=str(row.payload.get("actor", "")),
            payload=row.payload,
        )
        for row in await session.scalars(
            select(OutboxActivity).where(OutboxActivity.id.in_(outbox_ids))
        )
    }
    claimed = [
        Claimed(
            id=row.id,
            outbox_id=row.outbox_id,
            inbox_url=row.inbox_url,
            host=row.host,
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            probe=row.id in probes,
        )
        for row in rows
    ]
    return Claim(claimed, activities)


async def _one_probe_per_tripped_host(
    session: AsyncSession,
    rows: list[Delivery],
    *,
    now: datetime,
    lease: timedelta,
    lock: bool,
) -> tuple[list[Delivery], set[int]]:
    """Keep every row of healthy hosts and one row (the probe) per half-open host, marking
    that host paused while its probe is out; also return the probes' ids."""
    hosts = sorted({row.host for row in rows})
    query = (
        select(DeliveryHost)
        .where(
            DeliveryHost.host.in_(hosts),
            or_(
                DeliveryHost.consecutive_failures >= BREAKER_THRESHOLD,
                DeliveryHost.paused_until > now,
            ),
        )
        .order_by(DeliveryHost.host)
    )
    if lock:
        # Read again after any wait for the lock (READ COMMITTED): if another worker took
        # this host's probe meanwhile, its pause is seen here and nothing more is sent.
        query = query.with_for_update()
    guarded = {host.host: host for host in await session.scalars(query)}
    if not guarded:
        return rows, set()
    kept: list[Delivery] = []
    probed: set[str] = set()
    probes: set[int] = set()
    for row in rows:
        host = guarded.get(row.host)
        if host is None:
            kept.append(row)
        elif host.paused_until is not None and host.paused_until > now:
            continue  # paused since the rows were read (another worker's probe)
        elif row.host not in probed:
            probed.add(row.host)
            host.paused_until = now + lease  # paused while the probe is out
            kept.append(row)
            probes.add(row.id)
    await session.flush()
    return kept, probes
