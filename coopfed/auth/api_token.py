"""Personal access tokens for the JSON API (``Authorization: Bearer cfp_…``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit, token
from governance.db import Base, UTCDateTime
from governance.errors import InvalidInput, NotFound
from governance.member import Member

PREFIX = "cfp_"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


async def create(
    db: AsyncSession,
    member: Member,
    *,
    name: str,
    now: datetime,
    expires_at: datetime | None = None,
    by: int | None = None,
) -> IssuedToken:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput("The token name must have 1 to 80 characters.", code="invalid_name")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("The expiry date must be in the future.", code="invalid_expiry")
    secret = PREFIX + token.new_secret()
    row = ApiToken(
        member_id=member.id,
        name=name,
        token_digest=token.digest(secret),
        hint=secret[: len(PREFIX) + 6],
        created_at=now,
        expires_at=expires_at,
    )
    db.add(row)
    await db.flush()
    await audit.record(
        db,
        now=now,
        actor_id=by or member.id,
        action="token.create",
        target=f"member:{member.id}",
        details={"name": name, "hint": row.hint},
    )
    return IssuedToken(row, secret)


async def resolve(db: AsyncSession, secret: str, *, now: datetime) -> Member | None:
    if not secret.startswith(PREFIX):
        return None
    row = await db.scalar(select(ApiToken).where(ApiToken.token_digest == token.digest(secret)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    member = await db.get(Member, row.member_id)
    if member is None or not member.can_sign_in:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        row.last_used_at = now
    return member


async def list_for(db: AsyncSession, member_id: int) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    )
    return list((await db.scalars(query)).all())


async def revoke(db: AsyncSession, member: Member, token_id: int, *, now: datetime) -> None:
    row = await db.get(ApiToken, token_id)
    if row is None or row.member_id != member.id or row.revoked_at is not None:
        raise NotFound(f"You have no active token with id {token_id}.")
    row.revoked_at = now
    await audit.record(
        db,
        now=now,
        actor_id=member.id,
        action="token.revoke",
        target=f"member:{member.id}",
        details={"name": row.name},
    )
