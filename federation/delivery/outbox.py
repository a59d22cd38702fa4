"""The transactional outbox: an activity and its deliveries, written with what caused them.

``publish(...)`` adds an ``OutboxActivity`` and one ``Delivery`` per distinct recipient
inbox to the caller's session and flushes; it never commits. The caller commits together
with the change that caused the activity (a proposal opened, a key rotated), so either both
are stored or neither is, and the delivery worker only ever sees activities whose cause was
committed.

Recipients: ``followers_inboxes(session, local_actor)`` gives the inboxes of a local actor's
accepted followers, already folded to shared inboxes (one POST per remote server, as
Mastodon does); ``fold_shared_inboxes`` does the folding for any list of ``Recipient``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.model import Delivery, DeliveryStatus
from federation.follow.model import Follower, FollowState
from federation.models import OutboxActivity

__all__ = [
    "BadActivity",
    "BadInbox",
    "Recipient",
    "fold_shared_inboxes",
    "followers_inboxes",
    "host_key",
    "publish",
]


class BadActivity(ValueError):
    """The activity cannot be published as given (no ``id`` or ``type``)."""


class BadInbox(ValueError):
    """A recipient inbox is not an absolute http(s) URL."""


def host_key(url: str) -> str:
    """The host a delivery is grouped under: lower-case ``host[:port]`` of ``url``.

    Raises ``BadInbox`` for anything but an absolute http(s) URL with a host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise BadInbox(f"inbox {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadInbox(f"inbox {url!r} is not an absolute http(s) URL")
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port is not None else host


@dataclass(frozen=True)
class Recipient:
    """A remote actor's inbox, and its server's shared inbox when it has one."""

    inbox: str
    shared_inbox: str | None = None


def fold_shared_inboxes(recipients: Iterable[Recipient]) -> list[str]:
    """One inbox per recipient, the shared inbox where there is one, each URL once, in the
    order first met."""
    seen: dict[str, None] = {}
    for recipient in recipients:
        seen.setdefault(recipient.shared_inbox or recipient.inbox, None)
    return list(seen)


async def followers_inboxes(session: AsyncSession, local_actor: str) -> list[str]:
    """The folded inboxes of ``local_actor``'s accepted followers (``local_actor`` is the
    local actor's name, e.g. ``"coop"``)."""
    rows = await session.execute(
        select(Follower.inbox_url, Follower.shared_inbox_url)
        .where(Follower.local_actor == local_actor, Follower.state == FollowState.ACCEPTED)
        .order_by(Follower.id)
    )
    return fold_shared_inboxes(Recipient(inbox, shared) for inbox, shared in rows.all())


async def publish(
    session: AsyncSession,
    *,
    actor: str,
    activity: dict[str, Any],
    inboxes: Iterable[str],
    now: datetime,
    public: bool = True,
) -> OutboxActivity:
    """Store ``activity`` in the outbox with one pending delivery per distinct inbox, due
    now; flush, do not commit (the caller commits with the change that caused it).

    ``actor`` is the local actor's key owner (``federation.keys``: ``"instance"`` for the
    co-op, ``"member:7"``); the worker signs the deliveries with that actor's RSA key under
    the key id ``<activity.actor>#main-key``. Raises ``BadActivity`` or ``BadInbox`` before
    adding anything to the session.
    """
    activity_id, activity_type = activity.get("id"), activity.get("type")
    if not isinstance(activity_id, str) or not activity_id:
        raise BadActivity("an activity to publish needs an 'id'")
    if not isinstance(activity_type, str) or not activity_type:
        raise BadActivity("an activity to publish needs a 'type'")
    if not isinstance(activity.get("actor"), str):
        raise BadActivity("an activity to publish needs an 'actor' URL")
    targets = {url: host_key(url) for url in inboxes}  # dict: distinct, in order
    row = OutboxActivity(
        activity_id=activity_id,
        actor=actor,
        activity_type=activity_type,
        payload=activity,
        public=public,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        Delivery(
            outbox_id=row.id,
            inbox_url=url,
            host=host,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for url, host in targets.items()
    )
    await session.flush()
    return row
