"""What one delivery attempt came to, and storing it: the delivery row and its host's state.

Kinds of outcome:

- ``DELIVERED``: a 2xx answer;
- ``RETRY``: a connection error, a timeout, a 5xx, 408 or 429 — tried again later
  (``federation.delivery.schedule``), or failed for good once the retry window is over;
- ``FINAL``: any other answer (4xx, an unfollowed redirect) or a request we refuse to make
  (blocked host, forbidden address) — never tried again;
- ``GONE``: 410 Gone — final, and the followers whose inbox that is are removed;
- ``DEFERRED``: not sent after all; the runner hands the claim back (``record`` skips it).

Every outcome keeps the HTTP status and an error text on the row. Host state: a retryable
failure counts towards the host's breaker; any HTTP answer that is not a retryable failure
shows the host is up and resets it.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.claim import Claimed
from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus, SignatureScheme
from federation.delivery.schedule import breaker_pause, gives_up, next_attempt
from federation.follow.model import Follower
from governance.db import dialect_insert

__all__ = ["Attempt", "Kind", "record"]

_MAX_ERROR = 2000
_TABLE = cast(Table, Delivery.__table__)
# Only a row still pending is changed: an admin may have cancelled it meanwhile.
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == DeliveryStatus.PENDING)
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        last_status=bindparam("b_last_status"),
        last_error=bindparam("b_last_error"),
        next_attempt_at=bindparam("b_next"),
        delivered_at=bindparam("b_delivered_at"),
        claimed_until=None,
    )
)


class Kind(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FINAL = "final"
    GONE = "gone"
    DEFERRED = "deferred"  # not sent (its host tripped meanwhile): handed back untouched


@dataclass(frozen=True)
class Attempt:
    """The result of sending one claimed delivery."""

    delivery: Claimed
    kind: Kind
    status: int | None = None  # the HTTP status, when there was an answer
    error: str | None = None
    retry_after_seconds: float | None = None
    # The signature scheme the host accepted (learnt while double-knocking), if any.
    scheme: SignatureScheme | None = None
    # Whether the host answered at all (False for connection errors and timeouts).
    host_answered: bool = False
    # A refusal on our side (policy, address): says nothing about the host's health.
    refused_locally: bool = False


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:_MAX_ERROR]


async def _hosts(session: AsyncSession, names: Sequence[str]) -> dict[str, DeliveryHost]:
    """The host rows for ``names``, created where missing (concurrent workers may race)."""
    ordered = sorted(set(names))
    if not ordered:
        return {}
    await session.execute(
        dialect_insert(session, DeliveryHost)
        .values([{"host": name, "consecutive_failures": 0} for name in ordered])
        .on_conflict_do_nothing(index_elements=["host"])
    )
    rows = await session.scalars(
        select(DeliveryHost).where(DeliveryHost.host.in_(ordered)).order_by(DeliveryHost.host)
    )
    return {row.host: row for row in rows}


async def record(
    session: AsyncSession,
    attempts: Sequence[Attempt],
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> None:
    """Store ``attempts`` in the session's transaction (the caller commits)."""
    if not attempts:
        return
    hosts = await _hosts(session, [a.delivery.host for a in attempts])
    gone: list[str] = []
    params: list[dict[str, object]] = []
    for attempt in sorted(attempts, key=lambda a: a.delivery.id):
        if attempt.kind is Kind.DEFERRED:
            continue
        claimed = attempt.delivery
        row: dict[str, object] = {
            "b_id": claimed.id,
            "b_status": DeliveryStatus.PENDING,
            "b_attempts": claimed.attempts + 1,
            "b_last_status": attempt.status,
            "b_last_error": _clip(attempt.error),
            "b_next": claimed.next_attempt_at,
            "b_delivered_at": None,
        }
        if attempt.kind is Kind.DELIVERED:
            row.update(b_status=DeliveryStatus.DELIVERED, b_delivered_at=now, b_last_error=None)
        elif attempt.kind is Kind.RETRY:
            if gives_up(claimed.created_at, now):
                row.update(
                    b_status=DeliveryStatus.FAILED,
                    b_last_error=_clip(f"gave up after the retry window: {attempt.error}"),
                )
            else:
                wait = attempt.retry_after_seconds
                row["b_next"] = next_attempt(
                    claimed.attempts + 1,
                    now,
                    retry_after=timedelta(seconds=wait) if wait is not None else None,
                    rng=rng,
                )
        else:
            row["b_status"] = DeliveryStatus.FAILED
            if attempt.kind is Kind.GONE:
                gone.append(claimed.inbox_url)
        params.append(row)
        _update_host(hosts[claimed.host], attempt, now=now)
    if params:
        await session.execute(_UPDATE, params)  # one executemany for the whole batch
    if gone:
        await session.execute(
            delete(Follower)
            .where(Follower.inbox_url.in_(sorted(set(gone))))
            .execution_options(synchronize_session=False)
        )
    await session.flush()


def _update_host(host: DeliveryHost, attempt: Attempt, *, now: datetime) -> None:
    if attempt.scheme is not None:
        host.signature_scheme = attempt.scheme
    if attempt.refused_locally:
        return
    if attempt.kind is Kind.RETRY:
        host.last_error = _clip(attempt.error)
        host.last_failure_at = now
        paused = host.paused_until is not None and host.paused_until > now
        if paused and not attempt.delivery.probe:
            # Sent before the breaker tripped: already counted in the pause under way.
            return
        host.consecutive_failures += 1
        pause = breaker_pause(host.consecutive_failures)
        host.paused_until = now + pause if pause is not None else None
        return
    if attempt.host_answered:
        host.consecutive_failures = 0
        host.paused_until = None
        if attempt.kind is Kind.DELIVERED:
            host.last_success_at = now
