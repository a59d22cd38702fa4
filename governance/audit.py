"""The audit log: admin actions and sign-ins, append-only, visible to admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(255), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


async def record(
    session: AsyncSession,
    *,
    now: datetime,
    action: str,
    actor_id: int | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event; the caller's transaction commits it with the change it describes."""
    event = AuditEvent(
        at=now, actor_id=actor_id, action=action, target=target, details=details or {}, ip=ip
    )
    session.add(event)
    await session.flush()
    return event


async def page(
    session: AsyncSession, *, limit: int = 50, before_id: int | None = None
) -> list[AuditEvent]:
    """Newest first; ``before_id`` pages backwards."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list((await session.scalars(query)).all())


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(AuditEvent.id))) or 0)
