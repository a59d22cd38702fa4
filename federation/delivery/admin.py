"""What admins see of the delivery queue and what they can do about it.

- ``host_summaries``: per remote host, deliveries pending, delivered, failed and cancelled,
  whether the host is paused (breaker) and until when, the last error;
- ``recent``: the latest deliveries, for one host or status;
- ``retry_delivery``: send one pending or failed delivery at the next worker round; a
  failed one gets a fresh three-day retry window (counted from now);
- ``retry_host``: the same for every pending and failed delivery to a host, and unpause it;
- ``unpause``: close a host's circuit breaker now.

Every change is recorded in the audit log; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus
from federation.models import OutboxActivity
from governance import audit
from governance.errors import Conflict, InvalidInput, NotFound
from governance.i18n import N_

__all__ = [
    "BadStatus",
    "DeliveryNotFound",
    "DeliveryView",
    "HostNotFound",
    "HostSummary",
    "NotRetryable",
    "host_summaries",
    "parse_status",
    "recent",
    "retry_delivery",
    "retry_host",
    "unpause",
]


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


class HostNotFound(NotFound):
    code = "delivery_host_not_found"


class NotRetryable(Conflict):
    code = "delivery_not_retryable"


class BadStatus(InvalidInput):
    code = "invalid_status"


@dataclass(frozen=True)
class HostSummary:
    host: str
    pending: int
    delivered: int
    failed: int
    cancelled: int
    paused_until: datetime | None  # set and in the future: the breaker holds the host
    consecutive_failures: int
    last_error: str | None
    last_failure_at: datetime | None
    last_success_at: datetime | None
    signature_scheme: str | None

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now


@dataclass(frozen=True)
class DeliveryView:
    """A delivery with the activity it carries."""

    delivery: Delivery
    activity_id: str
    activity_type: str


def parse_status(raw: str | None) -> DeliveryStatus | None:
    """A ``?status=`` value; raises ``BadStatus`` naming the allowed ones."""
    if raw is None or raw == "":
        return None
    try:
        return DeliveryStatus(raw)
    except ValueError:
        allowed = ", ".join(s.value for s in DeliveryStatus)
        raise BadStatus(
            N_("Unknown delivery status %(status)s: use one of %(allowed)s."),
            status=raw,
            allowed=allowed,
        ) from None


async def host_summaries(session: AsyncSession, host: str | None = None) -> list[HostSummary]:
    """Every host the queue has deliveries for or knows about, busiest (most pending)
    first; just ``host`` when given."""
    counts: dict[str, dict[DeliveryStatus, int]] = {}
    query = select(Delivery.host, Delivery.status, func.count()).group_by(
        Delivery.host, Delivery.status
    )
    if host is not None:
        query = query.where(Delivery.host == host)
    for name, status, count in (await session.execute(query)).all():
        counts.setdefault(name, {})[status] = count
    host_query = select(DeliveryHost)
    if host is not None:
        host_query = host_query.where(DeliveryHost.host == host)
    rows = {row.host: row for row in await session.scalars(host_query)}
    summaries = []
    for name in set(counts) | set(rows):
        by_status = counts.get(name, {})
        row = rows.get(name)
        summaries.append(
            HostSummary(
                host=name,
                pending=by_status.get(DeliveryStatus.PENDING, 0),
                delivered=by_status.get(DeliveryStatus.DELIVERED, 0),
                failed=by_status.get(DeliveryStatus.FAILED, 0),
                cancelled=by_status.get(DeliveryStatus.CANCELLED, 0),
                paused_until=row.paused_until if row else None,
                consecutive_failures=row.consecutive_failures if row else 0,
                last_error=row.last_error if row else None,
                last_failure_at=row.last_failure_at if row else None,
                last_success_at=row.last_success_at if row else None,
                signature_scheme=row.signature_scheme.value
                if row and row.signature_scheme
                else None,
            )
        )
    summaries.sort(key=lambda s: (-s.pending, -s.failed, s.host))
    return summaries


async def recent(
    session: AsyncSession,
    *,
    host: str | None = None,
    status: DeliveryStatus | None = None,
    ids: list[int] | None = None,
    limit: int = 100,
) -> list[DeliveryView]:
    """The latest deliveries (newest first), filtered by host, status or ids."""
    query = (
        select(Delivery, OutboxActivity.activity_id, OutboxActivity.activity_type)
        .join(OutboxActivity, OutboxActivity.id == Delivery.outbox_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if host is not None:
        query = query.where(Delivery.host == host)
    if status is not None:
        query = query.where(Delivery.status == status)
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    return [DeliveryView(row, aid, kind) for row, aid, kind in (await session.execute(query)).all()]


def _requeue_values(now: datetime, *, failed: bool) -> dict[str, object]:
    values: dict[str, object] = {
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": now,
        "claimed_until": None,
    }
    if failed:
        values["created_at"] = now  # a fresh retry window
    return values


async def retry_delivery(
    session: AsyncSession, delivery_id: int, *, now: datetime, by: int | None
) -> Delivery:
    """Make one pending or failed delivery due now (a failed one gets a fresh window)."""
    row = await session.get(Delivery, delivery_id)
    if row is None:
        raise DeliveryNotFound(N_("There is no delivery with id %(id)s."), id=delivery_id)
    if row.status not in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
        raise NotRetryable(
            N_("Delivery %(id)s is %(status)s; only a pending or failed one can be retried."),
            id=delivery_id,
            status=row.status.value,
        )
    if row.claimed_until is not None and row.claimed_until > now:
        raise NotRetryable(
            N_("Delivery %(id)s is being sent right now; look again in a moment."),
            id=delivery_id,
        )
    previous = row.status
    for name, value in _requeue_values(now, failed=previous is DeliveryStatus.FAILED).items():
        setattr(row, name, value)
    await audit.record(
        session,
        now=now,
        action="federation.delivery_retry",
        actor_id=by,
        target=row.inbox_url[:255],
        details={"delivery": row.id, "was": previous.value, "error": (row.last_error or "")[:500]},
    )
    await session.flush()
    return row


async def _unpause_row(session: AsyncSession, host: str) -> DeliveryHost | None:
    row = await session.get(DeliveryHost, host)
    if row is not None:
        row.paused_until = None
        row.consecutive_failures = 0
    return row


async def retry_host(session: AsyncSession, host: str, *, now: datetime, by: int | None) -> int:
    """Unpause ``host`` and make its pending and failed deliveries due now (failed ones get
    a fresh window); return how many were re-queued."""
    host = host.strip().lower()
    known = await session.scalar(select(func.count()).where(Delivery.host == host))
    row = await _unpause_row(session, host)
    if not known and row is None:
        raise HostNotFound(N_("No delivery has ever gone to %(host)s."), host=host)
    not_claimed = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now)
    pending = await session.execute(
        update(Delivery)
        .where(Delivery.host == host, Delivery.status == DeliveryStatus.PENDING, not_claimed)
        .values(**_requeue_values(now, failed=False))
        .execution_options(synchronize_session=False)
    )
    # Then the failed ones (after: the update above must not count them twice).
    failed = await session.execute(
        update(Delivery)
        .where(Delivery.host == host, Delivery.status == DeliveryStatus.FAILED, not_claimed)
        .values(**_requeue_values(now, failed=True))
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(failed, "rowcount", 0) or 0) + int(getattr(pending, "rowcount", 0) or 0)
    await audit.record(
        session,
        now=now,
        action="federation.delivery_retry_host",
        actor_id=by,
        target=host,
        details={"requeued": count},
    )
    await session.flush()
    return count


async def unpause(session: AsyncSession, host: str, *, now: datetime, by: int | None) -> None:
    """Close ``host``'s circuit breaker: its deliveries are sent at their next attempt."""
    host = host.strip().lower()
    row = await _unpause_row(session, host)
    if row is None:
        raise HostNotFound(N_("The delivery queue knows no host %(host)s."), host=host)
    await audit.record(
        session, now=now, action="federation.delivery_unpause", actor_id=by, target=host
    )
    await session.flush()
