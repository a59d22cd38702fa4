"""Browser sessions, stored server-side; the cookie carries only a random secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import token
from governance.db import Base, UTCDateTime
from governance.member import Member

# Refresh last_seen_at at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(minutes=5)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the cookie secret
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


@dataclass(frozen=True)
class OpenedSession:
    session: WebSession
    secret: str  # goes into the cookie, never stored


async def open_session(
    db: AsyncSession,
    member: Member,
    *,
    now: datetime,
    lifetime: timedelta,
    user_agent: str = "",
    ip: str | None = None,
) -> OpenedSession:
    secret = token.new_secret()
    row = WebSession(
        id=token.digest(secret),
        member_id=member.id,
        csrf_token=token.new_secret(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=user_agent[:255],
        ip=ip,
    )
    db.add(row)
    await db.flush()
    return OpenedSession(row, secret)


async def resolve(
    db: AsyncSession, secret: str, *, now: datetime
) -> tuple[WebSession, Member] | None:
    """The live session and its member for a cookie secret, or None."""
    row = await db.get(WebSession, token.digest(secret))
    if row is None or row.expires_at <= now:
        return None
    member = await db.get(Member, row.member_id)
    if member is None or not member.can_sign_in:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row, member


async def close(db: AsyncSession, session_id: str) -> None:
    await db.execute(delete(WebSession).where(WebSession.id == session_id))


async def close_all(db: AsyncSession, member_id: int) -> int:
    """Sign a member out everywhere; returns how many sessions ended."""
    result = await db.execute(delete(WebSession).where(WebSession.member_id == member_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def list_for(db: AsyncSession, member_id: int, *, now: datetime) -> list[WebSession]:
    query = (
        select(WebSession)
        .where(WebSession.member_id == member_id, WebSession.expires_at > now)
        .order_by(WebSession.last_seen_at.desc())
    )
    return list((await db.scalars(query)).all())


async def purge_expired(db: AsyncSession, *, now: datetime) -> int:
    result = await db.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
