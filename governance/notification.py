"""In-app notifications: proposal opened, closing within 24 hours, result published."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, UTCDateTime


class NotificationKind(enum.StrEnum):
    PROPOSAL_OPENED = "proposal_opened"
    CLOSING_SOON = "closing_soon"
    RESULT_PUBLISHED = "result_published"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(
            NotificationKind,
            native_enum=False,
            length=24,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


async def notify(
    session: AsyncSession,
    member_ids: Iterable[int],
    kind: NotificationKind,
    *,
    proposal_id: int | None,
    now: datetime,
) -> int:
    rows = [
        Notification(member_id=m, kind=kind, proposal_id=proposal_id, created_at=now)
        for m in sorted(set(member_ids))
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def for_member(
    session: AsyncSession, member_id: int, *, limit: int = 50, unread_only: bool = False
) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.member_id == member_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list((await session.scalars(query)).all())


async def unread_count(session: AsyncSession, member_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count(Notification.id)).where(
                Notification.member_id == member_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


async def mark_all_read(session: AsyncSession, member_id: int, *, now: datetime) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
