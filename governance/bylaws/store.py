"""Bylaws versions: append-only rows; the current bylaws are the highest version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import audit
from governance.bylaws.document import Bylaws, parse_bylaws
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, NotFound
from governance.i18n import N_


class BylawsVersion(Base):
    __tablename__ = "bylaws_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Exactly one of these says how the version came to be.
    adopted_by_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), nullable=True
    )
    installed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def bylaws(self) -> Bylaws:
        return parse_bylaws(self.document)


async def current_version(session: AsyncSession) -> BylawsVersion | None:
    return await session.scalar(
        select(BylawsVersion).order_by(BylawsVersion.version.desc()).limit(1)
    )


async def current(session: AsyncSession) -> Bylaws:
    found = await current_version(session)
    if found is None:
        raise NotFound(
            N_("This co-op has no bylaws yet; an admin chooses them at setup."), code="no_bylaws"
        )
    return found.bylaws


async def history(session: AsyncSession) -> list[BylawsVersion]:
    rows = await session.scalars(select(BylawsVersion).order_by(BylawsVersion.version.desc()))
    return list(rows.all())


async def get_version(session: AsyncSession, version: int) -> BylawsVersion:
    found = await session.scalar(select(BylawsVersion).where(BylawsVersion.version == version))
    if found is None:
        raise NotFound(N_("There is no bylaws version %(version)s."), version=version)
    return found


async def install_at_setup(
    session: AsyncSession, bylaws: Bylaws, *, by: int | None, now: datetime
) -> BylawsVersion:
    """The first version, chosen at setup (logged). Later versions need a passed amendment."""
    if await current_version(session) is not None:
        raise Conflict(
            N_("The bylaws are already installed; change them with a bylaws-amendment proposal."),
            code="bylaws_exist",
        )
    row = BylawsVersion(
        version=1,
        document=bylaws.to_json(),
        created_at=now,
        installed_by_id=by,
        note=f"preset {bylaws.preset} at setup",
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="bylaws.install",
        target="bylaws:1",
        details={"preset": bylaws.preset},
    )
    return row


async def adopt(
    session: AsyncSession, bylaws: Bylaws, *, proposal_id: int, now: datetime
) -> BylawsVersion:
    """Install a new version because an amendment proposal passed."""
    latest = await current_version(session)
    row = BylawsVersion(
        version=(latest.version if latest else 0) + 1,
        document=bylaws.to_json(),
        created_at=now,
        adopted_by_proposal_id=proposal_id,
        note=f"adopted by proposal {proposal_id}",
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        now=now,
        action="bylaws.adopt",
        target=f"bylaws:{row.version}",
        details={"proposal": proposal_id},
    )
    return row
