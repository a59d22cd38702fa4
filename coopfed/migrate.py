"""Schema migrations through Alembic, driven on coopfed's own async engine."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations


class SchemaOutOfDate(Exception):
    """The database schema is older (or newer) than this version of coopfed."""


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", migrations.LOCATION)
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    """Apply every revision up to ``target``."""

    def run(conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def ensure_current(engine: AsyncEngine, *, auto_upgrade: bool) -> None:
    """Refuse to run on a schema other than the code's; on SQLite, upgrade it instead."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaOutOfDate(
            f"The database is at revision {current}, which this version of coopfed does not "
            "know: it was migrated by a newer coopfed. Upgrade coopfed."
        )
    if auto_upgrade:
        await upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"The database schema is at revision {current or 'none'} but this coopfed needs {head}. "
        "Run `coopfed migrate` (with the same settings) and start again."
    )
