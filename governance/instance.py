"""The instance itself: the co-op's name and the one-time first-run setup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit, token
from governance import member as members
from governance.bylaws import presets
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, InvalidInput, NotFound
from governance.i18n import N_
from governance.member import Member, Role, Status
from governance.password import PasswordHasher

SETUP_VALIDITY = timedelta(hours=24)
INSTANCE_ID = 1


class Instance(Base):
    """A single row (id 1) describing this co-op's instance."""

    __tablename__ = "instance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    setup_token_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    setup_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    setup_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_set_up(self) -> bool:
        return self.setup_completed_at is not None


async def get(session: AsyncSession) -> Instance | None:
    return await session.get(Instance, INSTANCE_ID)


async def ensure(session: AsyncSession, *, now: datetime) -> Instance:
    found = await get(session)
    if found is None:
        found = Instance(id=INSTANCE_ID, created_at=now)
        session.add(found)
        await session.flush()
    return found


async def issue_setup_token(session: AsyncSession, *, now: datetime) -> str | None:
    """A new one-time setup secret (earlier ones stop working), or None once set up."""
    inst = await ensure(session, now=now)
    if inst.is_set_up:
        return None
    secret = token.new_secret()
    inst.setup_token_digest = token.digest(secret)
    inst.setup_token_expires_at = now + SETUP_VALIDITY
    await session.flush()
    return secret


async def check_setup_token(session: AsyncSession, secret: str, *, now: datetime) -> Instance:
    inst = await get(session)
    if inst is not None and inst.is_set_up:
        raise Conflict(N_("This instance is already set up; sign in instead."), code="setup_done")
    if (
        inst is None
        or inst.setup_token_digest is None
        or not token.matches(secret, inst.setup_token_digest)
    ):
        raise NotFound(
            N_(
                "This setup link is not valid. Run `coopfed init` (or restart `coopfed serve`) "
                "to print a new one."
            ),
            code="setup_token_invalid",
        )
    if inst.setup_token_expires_at is None or inst.setup_token_expires_at <= now:
        raise Conflict(
            N_("This setup link has expired. Run `coopfed init` to print a new one."),
            code="setup_token_expired",
        )
    return inst


@dataclass(frozen=True)
class SetupForm:
    coop_name: str
    email: str
    display_name: str
    password: str
    language: str
    preset: str = "worker_coop"


async def complete_setup(
    session: AsyncSession,
    secret: str,
    form: SetupForm,
    *,
    hasher: PasswordHasher,
    now: datetime,
    ip: str | None = None,
) -> Member:
    """Name the co-op and create the first admin; the setup link stops working."""
    inst = await check_setup_token(session, secret, now=now)
    name = " ".join(form.coop_name.split())
    if not name or len(name) > 120:
        raise InvalidInput(
            N_("The co-op's name must have 1 to 120 characters."), code="invalid_name"
        )
    email = members.normalize_email(form.email)
    await members.ensure_email_free(session, email)
    admin = Member(
        email=email,
        username=await members.suggest_username(session, email),
        display_name=members.check_display_name(form.display_name),
        language=members.check_language(form.language),
        password_hash=await hasher.hash(form.password),
        password_changed_at=now,
        role=Role.ADMIN,
        status=Status.MEMBER,
        created_at=now,
        admitted_at=now,
    )
    session.add(admin)
    await session.flush()
    classes = await presets.apply_preset(session, form.preset, by=admin.id, now=now)
    if classes:
        admin.class_id = classes[0].id
    inst.name = name
    inst.default_language = admin.language
    inst.setup_completed_at = now
    inst.setup_token_digest = None
    inst.setup_token_expires_at = None
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=admin.id,
        action="instance.setup",
        target="instance",
        details={"name": name},
        ip=ip,
    )
    return admin
