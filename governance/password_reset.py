"""Admin-issued password-reset links (no mail server needed: the admin passes the link on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit, token
from governance import member as members
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, NotFound
from governance.i18n import N_
from governance.member import Member, Status
from governance.password import PasswordHasher

DEFAULT_VALIDITY = timedelta(hours=24)


class PasswordReset(Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class IssuedReset:
    reset: PasswordReset
    member: Member
    secret: str


async def issue(
    session: AsyncSession,
    member: Member,
    *,
    by: int | None,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
) -> IssuedReset:
    """A one-time link that lets ``member`` choose a new password; earlier links stop working."""
    if member.status not in (Status.APPLICANT, Status.MEMBER, Status.SUSPENDED):
        raise Conflict(
            N_("A member whose status is '%(status)s' has no password to reset."),
            status=member.status.value,
            code="bad_status",
        )
    open_links = await session.scalars(
        select(PasswordReset).where(
            PasswordReset.member_id == member.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
    )
    for old in open_links:
        old.expires_at = now
    secret = token.new_secret()
    reset = PasswordReset(
        token_digest=token.digest(secret),
        member_id=member.id,
        created_by=by,
        created_at=now,
        expires_at=now + validity,
    )
    session.add(reset)
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="member.password_reset_link",
        target=f"member:{member.id}",
    )
    return IssuedReset(reset, member, secret)


async def lookup(session: AsyncSession, secret: str, *, now: datetime) -> PasswordReset:
    found = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_digest == token.digest(secret))
    )
    if found is None:
        raise NotFound(N_("This password-reset link is not valid."), code="reset_invalid")
    if found.used_at is not None:
        raise Conflict(
            N_("This password-reset link has already been used. Ask an admin for a new one."),
            code="reset_used",
        )
    if found.expires_at <= now:
        raise Conflict(
            N_("This password-reset link has expired. Ask an admin for a new one."),
            code="reset_expired",
        )
    return found


async def complete(
    session: AsyncSession, secret: str, *, password: str, hasher: PasswordHasher, now: datetime
) -> Member:
    """Set the new password. The caller must also end the member's sessions."""
    reset = await lookup(session, secret, now=now)
    member = await members.get(session, reset.member_id)
    member.password_hash = await hasher.hash(password)
    member.password_changed_at = now
    reset.used_at = now
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=member.id,
        action="member.password_reset",
        target=f"member:{member.id}",
    )
    return member
