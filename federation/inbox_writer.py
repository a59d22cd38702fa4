"""Group commit for the inbox: concurrent POSTs share one insert and one commit.

Each accepted request hands its activity to ``InboxWriter.store`` and waits. The writer runs
one flush at a time: the first request is written at once (no added latency when idle), and
every request that arrives meanwhile goes into the next flush, as one multi-row
``INSERT … ON CONFLICT (activity_id) DO NOTHING RETURNING`` in one transaction. A request's
``store`` returns only after that transaction committed, so the endpoint still answers 202 only
for what is durably stored, and a duplicate (already stored, or twice in the same flush) is
reported as such and stored once.

If a flush fails, every request in it gets the error (the endpoint answers 5xx and the sender
retries); nothing is half-stored, the transaction is rolled back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.inbox import Stored
from federation.models import InboxItem, InboxStatus

__all__ = ["InboxWriter", "store_many"]

MAX_BATCH: Final = 500
_TABLE = cast(Table, InboxItem.__table__)
_STATEMENTS: Final = {
    name: insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["activity_id"])
    .returning(_TABLE.c.id, _TABLE.c.activity_id)
    for name, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


@dataclass(frozen=True)
class _Entry:
    values: dict[str, Any]
    done: asyncio.Future[Stored]


def _row(
    *,
    activity_id: str,
    activity_type: str,
    actor: str,
    payload: dict[str, Any],
    recipient: str | None,
    key_id: str,
    signature_scheme: str,
    now: datetime,
) -> dict[str, Any]:
    return {
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


async def store_many(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int | None]:
    """Insert ``rows`` (``_row`` dicts) skipping activity ids already stored; return, per
    row, the new id, or None for a duplicate (the first of two equal ids in ``rows`` wins).
    The caller commits."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    # One statement, compiled once per dialect and cached: executed with a list of rows,
    # SQLAlchemy sends it as batched multi-row INSERTs ("insertmanyvalues") instead of
    # compiling a new ``VALUES (…), (…)`` statement for every batch size.
    statement = _STATEMENTS[dialect if dialect == "postgresql" else "sqlite"]
    returned = await session.execute(statement, rows)
    created = {activity_id: row_id for row_id, activity_id in returned}
    result: list[int | None] = []
    for row in rows:
        result.append(created.pop(row["activity_id"], None))  # pop: a repeat is a duplicate
    return result


class InboxWriter:
    """Batches inbox inserts from concurrent requests (one per running app)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[_Entry] = []
        self._flushing: asyncio.Task[None] | None = None

    async def store(
        self,
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
        """Store one activity (as ``federation.inbox.store`` does) once it is committed."""
        values = _row(
            activity_id=activity_id,
            activity_type=activity_type,
            actor=actor,
            payload=payload,
            recipient=recipient,
            key_id=key_id,
            signature_scheme=signature_scheme,
            now=now,
        )
        done: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Entry(values, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all(), name="inbox-writer")
        # The flush goes on for the others even if this request is cancelled.
        return await asyncio.shield(done)

    async def _flush_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                async with self._sessions() as db:
                    ids = await store_many(db, [entry.values for entry in batch])
                    await db.commit()
            except Exception as exc:  # every request of the batch learns it failed
                for entry in batch:
                    if not entry.done.done():
                        entry.done.set_exception(exc)
                continue
            for entry, new_id in zip(batch, ids, strict=True):
                if not entry.done.done():
                    entry.done.set_result(Stored(new_id))

    async def aclose(self) -> None:
        """Wait for the flush under way (the app is stopping)."""
        task = self._flushing
        if task is not None and not task.done():
            await task
