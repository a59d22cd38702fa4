"""First run: create the database, apply migrations, make the instance's keys, and issue the
one-time setup link. Shared by ``coopfed init`` and ``coopfed serve``."""

from __future__ import annotations

from dataclasses import dataclass

from coopfed import migrate
from coopfed.context import AppContext
from federation import keys
from governance import instance


@dataclass(frozen=True)
class InitResult:
    setup_url: str | None  # None once the instance is set up
    keys_created: bool


async def prepare_schema(ctx: AppContext, *, upgrade: bool) -> None:
    """Bring the schema to the code's revision (``upgrade``) or refuse if it is not."""
    if upgrade:
        await migrate.upgrade(ctx.engine)
    else:
        await migrate.ensure_current(ctx.engine, auto_upgrade=ctx.settings.is_sqlite)


async def initialize(ctx: AppContext, *, upgrade: bool = True) -> InitResult:
    await prepare_schema(ctx, upgrade=upgrade)
    now = ctx.clock.now()
    async with ctx.session() as db:
        await instance.ensure(db, now=now)
        created = await keys.ensure_keys(db, keys.INSTANCE_ACTOR, now=now)
        secret = await instance.issue_setup_token(db, now=now)
        await db.commit()
    url = None
    if secret is not None:
        url = f"{ctx.settings.effective_base_url}/setup?token={secret}"
    return InitResult(url, created)
