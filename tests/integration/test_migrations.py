"""The schema is built only by Alembic revisions: prove they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from coopfed import migrate
from coopfed.context import AppContext
from coopfed.models import metadata


async def test_revisions__match_the_models(ctx: AppContext) -> None:
    def diff(conn: Connection) -> list[object]:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(mc, metadata()))

    async with ctx.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_database__is_at_the_head_revision(ctx: AppContext) -> None:
    assert await migrate.current_revision(ctx.engine) == migrate.head_revision()
