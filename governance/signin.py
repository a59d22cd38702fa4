"""Password sign-in with throttling.

Failures are counted per email address whether or not an account exists, so neither the
message nor the lock-out tells an attacker which addresses have accounts. After
``MAX_FAILURES`` failures within ``WINDOW`` the address is locked for ``LOCK_TIME``; each failure
also asks the caller to wait a little longer before answering.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit
from governance import member as members
from governance.db import Base, UTCDateTime
from governance.member import Member
from governance.password import PasswordHasher

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)


class SignInThrottle(Base):
    __tablename__ = "sign_in_throttle"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Outcome(enum.Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    INACTIVE = "inactive"  # right password, but the account is suspended or has left


@dataclass(frozen=True)
class SignInResult:
    outcome: Outcome
    member: Member | None = None
    # How long the caller should pause before answering (grows with each failure).
    delay_seconds: float = 0.0
    locked_until: datetime | None = None


async def sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    hasher: PasswordHasher,
    now: datetime,
    ip: str | None = None,
    base_delay: float = 0.25,
) -> SignInResult:
    """Check a password. The audit log records each success and failure."""
    key = email.strip().lower()[:254]
    throttle = await session.get(SignInThrottle, key)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        await audit.record(session, now=now, action="signin.locked", target=key, ip=ip)
        return SignInResult(Outcome.LOCKED, locked_until=throttle.locked_until)
    member = await members.by_email(session, key)
    ok = await hasher.verify(member.password_hash if member else None, password)
    if ok and member is not None and member.can_sign_in:
        if throttle is not None:
            await session.delete(throttle)
        await audit.record(
            session,
            now=now,
            actor_id=member.id,
            action="signin.ok",
            target=f"member:{member.id}",
            ip=ip,
        )
        return SignInResult(Outcome.OK, member=member)
    if ok and member is not None:
        await audit.record(
            session,
            now=now,
            actor_id=member.id,
            action="signin.inactive",
            target=f"member:{member.id}",
            ip=ip,
        )
        return SignInResult(Outcome.INACTIVE, member=member)
    if throttle is None or throttle.first_failure_at + WINDOW <= now:
        if throttle is None:
            throttle = SignInThrottle(email=key, failures=0, first_failure_at=now)
            session.add(throttle)
        throttle.failures, throttle.first_failure_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCK_TIME
    await session.flush()
    await audit.record(
        session,
        now=now,
        action="signin.failed",
        target=key,
        ip=ip,
        details={"failures": throttle.failures},
    )
    if throttle.locked_until is not None:
        return SignInResult(Outcome.LOCKED, locked_until=throttle.locked_until)
    return SignInResult(Outcome.BAD_CREDENTIALS, delay_seconds=base_delay * throttle.failures)
