"""Building governance state through the services, for tests."""

from __future__ import annotations

from datetime import timedelta

from coopfed.context import AppContext
from governance import member as members
from governance.bylaws import presets
from governance.member import Member, Role, Status
from governance.proposal import lifecycle, service
from governance.proposal.model import Proposal
from tests.integration.web_support import add_member


async def install_preset(ctx: AppContext, name: str = "worker_coop") -> None:
    async with ctx.session() as db:
        await presets.apply_preset(db, name, by=None, now=ctx.clock.now())
        await db.commit()


async def coop_with_members(ctx: AppContext, count: int, preset: str = "worker_coop") -> list[Member]:
    """A co-op with bylaws from ``preset`` and ``count`` admitted members (the first an admin)."""
    await install_preset(ctx, preset)
    people = []
    for n in range(count):
        people.append(
            await add_member(
                ctx, f"m{n}@example.org", name=f"Member {n}",
                role=Role.ADMIN if n == 0 else Role.MEMBER, status=Status.MEMBER,
            )
        )
    return people


async def open_proposal(
    ctx: AppContext,
    author: Member,
    *,
    kind: str = "ordinary",
    title: str = "Buy a coffee machine",
    options: tuple[str, ...] = (),
    hours: int = 72,
    **draft: object,
) -> Proposal:
    """Draft, schedule to open now, and let the worker's open step run."""
    now = ctx.clock.now()
    async with ctx.session() as db:
        author = await members.get(db, author.id)
        proposal = await service.create(
            db, author, service.Draft(kind=kind, title=title, options=options, **draft),  # type: ignore[arg-type]
            now=now,
        )
        await service.schedule(
            db, proposal, author, opens_at=now, closes_at=now + timedelta(hours=hours), now=now
        )
        await lifecycle.open_due(db, now=now)
        await db.commit()
        return proposal
