"""Membership classes (worker, user, supporter …): vote weight and an optional cap on the
class's share of all voting weight (SCIC-style colleges)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit
from governance.db import Base, ExactDecimal, UTCDateTime
from governance.errors import Conflict, InvalidInput, NotFound
from governance.i18n import N_
from governance.member import Member

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_WEIGHT = Decimal(1000)


class MembershipClass(Base):
    __tablename__ = "membership_classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    vote_weight: Mapped[Decimal] = mapped_column(ExactDecimal)
    weight_cap: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class ClassFields:
    """Validated input for creating or changing a class."""

    slug: str
    name: str
    vote_weight: Decimal
    weight_cap: Decimal | None
    description: str = ""

    @classmethod
    def parse(
        cls,
        *,
        slug: str,
        name: str,
        vote_weight: str | Decimal,
        weight_cap: str | Decimal | None,
        description: str = "",
    ) -> ClassFields:
        slug = slug.strip().lower()
        if not SLUG_RE.match(slug):
            raise InvalidInput(
                N_("The short name must be 1 to 40 lowercase letters, digits, '-' or '_'."),
                code="invalid_slug",
            )
        name = name.strip()
        if not name or len(name) > 120:
            raise InvalidInput(N_("The name must have 1 to 120 characters."), code="invalid_name")
        weight = _decimal(vote_weight, "vote_weight")
        if weight < 0 or weight > MAX_WEIGHT:
            raise InvalidInput(
                N_("The vote weight must be between 0 and %(max)s."),
                code="invalid_weight",
                max=MAX_WEIGHT,
            )
        cap: Decimal | None = None
        if weight_cap not in (None, ""):
            cap = _decimal(weight_cap, "weight_cap")
            if cap <= 0 or cap > 1:
                raise InvalidInput(
                    N_(
                        "The weight cap is a share of all voting weight: more than 0 and at most "
                        "1 (for example 0.2 for 20%%)."
                    ),
                    code="invalid_cap",
                )
        if len(description) > 2000:
            raise InvalidInput(N_("The description is too long (2000 characters at most)."))
        return cls(slug, name, weight, cap, description.strip())


def _decimal(value: str | Decimal, what: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidInput(
                N_("%(what)s must be a decimal number like 1 or 0.5."), what=what
            ) from None
    if not result.is_finite():
        raise InvalidInput(N_("%(what)s must be a finite number."), what=what)
    if result.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidInput(N_("%(what)s may have at most 6 decimals."), what=what)
    return result


async def list_all(session: AsyncSession) -> list[MembershipClass]:
    return list(
        (await session.scalars(select(MembershipClass).order_by(MembershipClass.slug))).all()
    )


async def get(session: AsyncSession, class_id: int) -> MembershipClass:
    found = await session.get(MembershipClass, class_id)
    if found is None:
        raise NotFound(N_("There is no membership class with id %(id)s."), id=class_id)
    return found


async def by_slug(session: AsyncSession, slug: str) -> MembershipClass:
    found = await session.scalar(select(MembershipClass).where(MembershipClass.slug == slug))
    if found is None:
        raise NotFound(N_("There is no membership class named '%(slug)s'."), slug=slug)
    return found


async def create(
    session: AsyncSession, fields: ClassFields, *, by: int | None, now: datetime
) -> MembershipClass:
    if await session.scalar(select(MembershipClass.id).where(MembershipClass.slug == fields.slug)):
        raise Conflict(N_("A membership class named '%(slug)s' already exists."), slug=fields.slug)
    item = MembershipClass(
        slug=fields.slug,
        name=fields.name,
        description=fields.description,
        vote_weight=fields.vote_weight,
        weight_cap=fields.weight_cap,
        created_at=now,
    )
    session.add(item)
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="class.create",
        target=f"class:{fields.slug}",
        details=_describe(item),
    )
    return item


async def update(
    session: AsyncSession, class_id: int, fields: ClassFields, *, by: int | None, now: datetime
) -> MembershipClass:
    item = await get(session, class_id)
    clash = await session.scalar(
        select(MembershipClass.id).where(
            MembershipClass.slug == fields.slug, MembershipClass.id != class_id
        )
    )
    if clash:
        raise Conflict(N_("A membership class named '%(slug)s' already exists."), slug=fields.slug)
    before = _describe(item)
    item.slug, item.name, item.description = fields.slug, fields.name, fields.description
    item.vote_weight, item.weight_cap = fields.vote_weight, fields.weight_cap
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="class.update",
        target=f"class:{item.slug}",
        details={"before": before, "after": _describe(item)},
    )
    return item


async def delete(session: AsyncSession, class_id: int, *, by: int | None, now: datetime) -> None:
    item = await get(session, class_id)
    in_use = await session.scalar(select(func.count(Member.id)).where(Member.class_id == class_id))
    if in_use:
        raise Conflict(
            N_(
                "The class '%(slug)s' still has %(count)s member(s); move them to another "
                "class first."
            ),
            slug=item.slug,
            count=in_use,
        )
    await session.delete(item)
    await session.flush()
    await audit.record(
        session, now=now, actor_id=by, action="class.delete", target=f"class:{item.slug}"
    )


def _describe(item: MembershipClass) -> dict[str, str | None]:
    return {
        "slug": item.slug,
        "name": item.name,
        "vote_weight": str(item.vote_weight),
        "weight_cap": None if item.weight_cap is None else str(item.weight_cap),
    }


async def assign(
    session: AsyncSession, member: Member, class_id: int | None, *, by: int | None, now: datetime
) -> Member:
    """Put a member in a class (or in none, with ``None``)."""
    slug = None
    if class_id is not None:
        slug = (await get(session, class_id)).slug
    member.class_id = class_id
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="member.set_class",
        target=f"member:{member.id}",
        details={"class": slug},
    )
    return member
