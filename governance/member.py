"""Member accounts: identity, role, status and the services that change them."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, Forbidden, InvalidInput, NotFound
from governance.i18n import N_

LANGUAGES = ("en", "fr")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
RESERVED_USERNAMES = frozenset(
    {"admin", "api", "coop", "inbox", "instance", "outbox", "setup", "static", "well-known"}
)


class Role(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"
    TREASURER = "treasurer"  # records in the books (see governance.ledger.access)


class Status(enum.StrEnum):
    INVITED = "invited"  # an invitation exists; no password yet
    APPLICANT = "applicant"  # accepted the invitation; waits to be admitted
    MEMBER = "member"
    SUSPENDED = "suspended"
    LEFT = "left"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(
        kind,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.MEMBER)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.INVITED)
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership_classes.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_sign_in(self) -> bool:
        return self.password_hash is not None and self.status in (
            Status.APPLICANT,
            Status.MEMBER,
        )


def normalize_email(email: str) -> str:
    """Trim and lowercase; refuse what is clearly not an address."""
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidInput(
            N_("'%(email)s' is not a valid email address."), code="invalid_email", email=email
        )
    return email


def check_display_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise InvalidInput(
            N_("The display name must have 1 to 120 characters."), code="invalid_name"
        )
    return name


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            N_("Unsupported language '%(language)s'; choose one of: %(choices)s."),
            code="invalid_language",
            language=language,
            choices=", ".join(LANGUAGES),
        )
    return language


def check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME_RE.match(username) or username in RESERVED_USERNAMES:
        raise InvalidInput(
            N_(
                "The username must be 1 to 30 lowercase letters, digits or '_' and not a "
                "reserved word."
            ),
            code="invalid_username",
        )
    return username


async def suggest_username(session: AsyncSession, email: str) -> str:
    """A free username derived from the email's local part."""
    base = re.sub(r"[^a-z0-9_]", "_", email.split("@", 1)[0].lower())[:24].strip("_") or "member"
    if base in RESERVED_USERNAMES:
        base = f"{base}_1"
    candidate, n = base, 1
    while await session.scalar(select(Member.id).where(Member.username == candidate)):
        n += 1
        candidate = f"{base}{n}"
    return candidate


async def get(session: AsyncSession, member_id: int) -> Member:
    found = await session.get(Member, member_id)
    if found is None:
        raise NotFound(N_("There is no member with id %(id)s."), id=member_id)
    return found


async def by_email(session: AsyncSession, email: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.email == email.strip().lower()))


async def find(session: AsyncSession, ref: str) -> Member:
    """A member by id, email or username (for the CLI)."""
    ref = ref.strip()
    query = select(Member)
    if ref.isdigit():
        query = query.where(Member.id == int(ref))
    elif "@" in ref:
        query = query.where(Member.email == ref.lower())
    else:
        query = query.where(Member.username == ref.lower())
    found = await session.scalar(query)
    if found is None:
        raise NotFound(
            N_("No member matches '%(ref)s' (give an id, an email or a username)."), ref=ref
        )
    return found


async def list_all(session: AsyncSession, *, status: Status | None = None) -> list[Member]:
    query = select(Member).order_by(Member.id)
    if status is not None:
        query = query.where(Member.status == status)
    return list((await session.scalars(query)).all())


async def count_admins(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count(Member.id)).where(
                Member.role == Role.ADMIN, Member.status == Status.MEMBER
            )
        )
        or 0
    )


async def ensure_email_free(session: AsyncSession, email: str) -> None:
    if await by_email(session, email) is not None:
        raise Conflict(
            N_("An account with the email %(email)s already exists."),
            code="duplicate_email",
            email=email,
        )


def _is_active_admin(member: Member) -> bool:
    # Only admitted admins count towards (and can be) "the last admin".
    return member.is_admin and member.status is Status.MEMBER


async def set_role(
    session: AsyncSession, member: Member, role: Role, *, by: int | None, now: datetime
) -> Member:
    if _is_active_admin(member) and role is not Role.ADMIN and await count_admins(session) <= 1:
        raise Conflict(
            N_("This is the last admin; make another member admin first."), code="last_admin"
        )
    before = member.role
    member.role = role
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="member.set_role",
        target=f"member:{member.id}",
        details={"before": before.value, "after": role.value},
    )
    return member


async def set_status(
    session: AsyncSession, member: Member, status: Status, *, by: int | None, now: datetime
) -> Member:
    """Admit, suspend, reinstate or record that a member left."""
    allowed = {
        Status.APPLICANT: {Status.MEMBER, Status.LEFT},
        Status.MEMBER: {Status.SUSPENDED, Status.LEFT},
        Status.SUSPENDED: {Status.MEMBER, Status.LEFT},
        Status.INVITED: {Status.LEFT},
        Status.LEFT: set(),
    }
    if status == member.status:
        return member
    if status not in allowed[member.status]:
        raise Conflict(
            N_("A member whose status is '%(before)s' cannot become '%(after)s'."),
            code="bad_status_change",
            before=member.status.value,
            after=status.value,
        )
    if (
        _is_active_admin(member)
        and status is not Status.MEMBER
        and await count_admins(session) <= 1
    ):
        raise Conflict(
            N_("This is the last admin; make another member admin first."), code="last_admin"
        )
    before = member.status
    member.status = status
    if status is Status.MEMBER and member.admitted_at is None:
        member.admitted_at = now
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="member.set_status",
        target=f"member:{member.id}",
        details={"before": before.value, "after": status.value},
    )
    return member


async def update_profile(
    session: AsyncSession,
    member: Member,
    *,
    display_name: str | None = None,
    language: str | None = None,
) -> Member:
    if display_name is not None:
        member.display_name = check_display_name(display_name)
    if language is not None:
        member.language = check_language(language)
    await session.flush()
    return member


def require_admin(member: Member | None) -> Member:
    """The acting member, who must be an admin in good standing."""
    if member is None or not member.is_admin or member.status is not Status.MEMBER:
        raise Forbidden(N_("Only an admin may do this."), code="admin_only")
    return member
