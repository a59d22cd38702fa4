"""Invitations: an admin creates a one-time, expiring link; the invitee sets a password and
becomes an applicant, whom an admin then admits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit, membership_class, token
from governance import member as members
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, NotFound
from governance.i18n import N_
from governance.member import Member, Status
from governance.password import PasswordHasher

DEFAULT_VALIDITY = timedelta(days=7)


class Invitation(Base):
    __tablename__ = "invitations"

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
class IssuedInvitation:
    """The invitation and its secret, which is shown once and never stored."""

    invitation: Invitation
    member: Member
    secret: str


async def invite(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    class_id: int | None,
    by: int | None,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    language: str = "en",
) -> IssuedInvitation:
    """Create an invited member and a one-time link for them.

    Inviting an address that already has an unused invitation replaces that invitation.
    """
    email = members.normalize_email(email)
    display_name = members.check_display_name(display_name)
    language = members.check_language(language)
    existing = await members.by_email(session, email)
    if existing is not None and existing.status is not Status.INVITED:
        raise Conflict(
            N_("An account with the email %(email)s already exists."),
            code="duplicate_email",
            email=email,
        )
    if class_id is not None:
        await membership_class.get(session, class_id)
    if existing is None:
        existing = Member(
            email=email,
            username=await members.suggest_username(session, email),
            display_name=display_name,
            language=language,
            status=Status.INVITED,
            class_id=class_id,
            created_at=now,
        )
        session.add(existing)
        await session.flush()
    else:
        existing.display_name, existing.class_id = display_name, class_id
        for old in await _open_invitations(session, existing.id, now):
            old.expires_at = now
    secret = token.new_secret()
    invitation = Invitation(
        token_digest=token.digest(secret),
        member_id=existing.id,
        created_by=by,
        created_at=now,
        expires_at=now + validity,
    )
    session.add(invitation)
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="member.invite",
        target=f"member:{existing.id}",
        details={"email": email, "expires_at": invitation.expires_at.isoformat()},
    )
    return IssuedInvitation(invitation, existing, secret)


async def _open_invitations(
    session: AsyncSession, member_id: int, now: datetime
) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.member_id == member_id,
        Invitation.used_at.is_(None),
        Invitation.expires_at > now,
    )
    return list((await session.scalars(query)).all())


async def lookup(session: AsyncSession, secret: str, *, now: datetime) -> Invitation:
    """The usable invitation for ``secret``; refuses unknown, used and expired links alike."""
    found = await session.scalar(
        select(Invitation).where(Invitation.token_digest == token.digest(secret))
    )
    if found is None:
        raise NotFound(N_("This invitation link is not valid."), code="invitation_invalid")
    if found.used_at is not None:
        raise Conflict(
            N_(
                "This invitation link has already been used. Sign in, or ask an admin for a new one."
            ),
            code="invitation_used",
        )
    if found.expires_at <= now:
        raise Conflict(
            N_("This invitation link has expired. Ask an admin for a new one."),
            code="invitation_expired",
        )
    return found


async def accept(
    session: AsyncSession,
    secret: str,
    *,
    password: str,
    display_name: str,
    username: str,
    language: str,
    hasher: PasswordHasher,
    now: datetime,
) -> Member:
    """Use the link: the invitee sets a password and becomes an applicant."""
    invitation = await lookup(session, secret, now=now)
    member = await members.get(session, invitation.member_id)
    username = members.check_username(username)
    clash = await session.scalar(
        select(Member.id).where(Member.username == username, Member.id != member.id)
    )
    if clash:
        raise Conflict(
            N_("The username '%(username)s' is taken; choose another."),
            code="username_taken",
            username=username,
        )
    member.display_name = members.check_display_name(display_name)
    member.language = members.check_language(language)
    member.username = username
    member.password_hash = await hasher.hash(password)
    member.password_changed_at = now
    member.status = Status.APPLICANT
    invitation.used_at = now
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=member.id,
        action="invitation.accept",
        target=f"member:{member.id}",
    )
    return member
