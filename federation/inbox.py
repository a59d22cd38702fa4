"""The durable inbox: verified activities stored before they are processed, never dropped.

``store`` inserts one row per activity id; a second delivery of the same id inserts nothing
(``INSERT … ON CONFLICT DO NOTHING``, so concurrent duplicates cannot race into an error) and
the sender still gets its 202. ``InboxProcessor.run_once`` processes pending items by type; a
type without a handler, or a handler that raises, marks the item failed with the error, where
an admin sees it and can ``retry`` it. Handlers per type arrive with Federation II.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.models import InboxItem, InboxStatus
from governance import audit
from governance.clock import Clock
from governance.errors import Conflict, NotFound
from governance.i18n import N_

__all__ = [
    "ActivityHandler",
    "InboxProcessor",
    "ItemNotFound",
    "NotRetryable",
    "Stored",
    "count_by_status",
    "get",
    "recent",
    "retry",
    "store",
]

log = logging.getLogger("federation.inbox")

_ERROR_LIMIT: Final = 4000

ActivityHandler = Callable[[AsyncSession, InboxItem], Awaitable[None]]
"""Processes one item inside the caller's transaction; raising marks the item failed."""


class ItemNotFound(NotFound):
    code = "inbox_item_not_found"


class NotRetryable(Conflict):
    code = "inbox_item_not_failed"


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of ``store``: the new row's id, or None for a duplicate."""

    item_id: int | None

    @property
    def created(self) -> bool:
        return self.item_id is not None


async def store(
    session: AsyncSession,
    *,
    activity_id: str,
    activity_type: str,
    actor: str,
    payload: dict[str, Any],
    recipient: str | None,
    key_id: str,
    signature_scheme: str,
    now: datetime,
) -> Stored:
    """Insert a pending item unless ``activity_id`` is already stored (flushes nothing else;
    the caller commits)."""
    values = {
        "activity_id": activity_id,
        "activity_type": activity_type[:64],
        "actor": actor,
        "recipient": recipient,
        "payload": payload,
        "key_id": key_id[:2048],
        "signature_scheme": signature_scheme[:16],
        "received_at": now,
        "status": InboxStatus.PENDING,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql_insert(InboxItem).values(**values)
        pg = pg.on_conflict_do_nothing(index_elements=["activity_id"])
        new_id: int | None = await session.scalar(pg.returning(InboxItem.id))
    elif dialect == "sqlite":
        lite = sqlite_insert(InboxItem).values(**values)
        lite = lite.on_conflict_do_nothing(index_elements=["activity_id"])
        new_id = await session.scalar(lite.returning(InboxItem.id))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    return Stored(new_id)


async def get(session: AsyncSession, item_id: int) -> InboxItem:
    item = await session.get(InboxItem, item_id)
    if item is None:
        raise ItemNotFound(N_("There is no inbox item with id %(id)s."), id=item_id)
    return item


async def recent(
    session: AsyncSession, *, status: InboxStatus | None = None, limit: int = 50
) -> list[InboxItem]:
    """The newest items first (optionally only one status)."""
    query = select(InboxItem).order_by(InboxItem.id.desc()).limit(limit)
    if status is not None:
        query = query.where(InboxItem.status == status)
    return list((await session.scalars(query)).all())


async def count_by_status(session: AsyncSession) -> dict[InboxStatus, int]:
    rows = await session.execute(
        select(InboxItem.status, func.count(InboxItem.id)).group_by(InboxItem.status)
    )
    counts = dict.fromkeys(InboxStatus, 0)
    for status, count in rows.all():
        counts[InboxStatus(status)] = int(count)
    return counts


async def retry(session: AsyncSession, item_id: int, *, by: int | None, now: datetime) -> InboxItem:
    """Put a failed item back in the queue (audited); ``NotRetryable`` unless it failed."""
    item = await get(session, item_id)
    if item.status is not InboxStatus.FAILED:
        raise NotRetryable(
            N_("Only a failed inbox item can be retried; item %(id)s is %(status)s."),
            id=item_id,
            status=item.status.value,
        )
    previous_error = item.error
    item.status = InboxStatus.PENDING
    item.error = None
    item.processed_at = None
    await audit.record(
        session,
        now=now,
        action="federation.inbox_retry",
        actor_id=by,
        target=item.activity_id[:255],
        details={"item": item.id, "error": (previous_error or "")[:500]},
    )
    await session.flush()
    return item


class _JobContext(Protocol):
    """What ``run_once`` needs of the app context (``coopfed.context.AppContext`` fits)."""

    @property
    def clock(self) -> Clock: ...

    def session(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class InboxProcessor:
    """A worker job: process pending items by activity type.

    Each item gets its own transaction. On PostgreSQL the item is claimed with
    ``FOR UPDATE SKIP LOCKED``, so several workers share the queue without doing an item twice.
    """

    name = "inbox"

    def __init__(
        self, handlers: Mapping[str, ActivityHandler] | None = None, *, batch: int = 100
    ) -> None:
        self.handlers: dict[str, ActivityHandler] = dict(handlers or {})
        self.batch = batch

    async def run_once(self, ctx: _JobContext) -> int:
        """Process up to ``batch`` pending items, oldest first; return how many were handled
        (done or failed)."""
        async with ctx.session() as db:
            ids = list(
                await db.scalars(
                    select(InboxItem.id)
                    .where(InboxItem.status == InboxStatus.PENDING)
                    .order_by(InboxItem.id)
                    .limit(self.batch)
                )
            )
        handled = 0
        for item_id in ids:
            if await self._process(ctx, item_id):
                handled += 1
        return handled

    async def _process(self, ctx: _JobContext, item_id: int) -> bool:
        async with ctx.session() as db:
            query = select(InboxItem).where(
                InboxItem.id == item_id, InboxItem.status == InboxStatus.PENDING
            )
            if db.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            item = await db.scalar(query)
            if item is None:
                return False  # another worker has it, or it was handled meanwhile
            activity_type = item.activity_type
            handler = self.handlers.get(activity_type)
            now = ctx.clock.now()
            if handler is None:
                error = f"no handler for activity type {activity_type!r}; retry once one exists"
                _finish(item, InboxStatus.FAILED, now, error)
                await db.commit()
                return True
            try:
                await handler(db, item)
                _finish(item, InboxStatus.DONE, now, None)
                await db.commit()
                return True
            except Exception as error:
                # Recorded on the item, never swallowed: the admin page shows it.
                await db.rollback()
                message = f"{type(error).__name__}: {error}"[:_ERROR_LIMIT]
                log.warning("inbox item %s (%s) failed: %s", item_id, activity_type, message)
        async with ctx.session() as db:
            await db.execute(
                update(InboxItem)
                .where(InboxItem.id == item_id)
                .values(
                    status=InboxStatus.FAILED,
                    error=message,
                    attempts=InboxItem.attempts + 1,
                    processed_at=ctx.clock.now(),
                )
            )
            await db.commit()
        return True


def _finish(item: InboxItem, status: InboxStatus, now: datetime, error: str | None) -> None:
    item.status = status
    item.error = error
    item.attempts += 1
    item.processed_at = now
