"""PostgreSQL helpers for the test fixtures: create and drop throwaway databases."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import asyncpg

NAME_RE = re.compile(r"^[a-z0-9_]+$")


def redact(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return urlunsplit((parts.scheme, f"{parts.username or ''}@{host}:{parts.port or 5432}",
                       parts.path, "", ""))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


async def create_database(url: str, name: str, *, template: str | None = None) -> None:
    if not NAME_RE.match(name) or (template and not NAME_RE.match(template)):
        raise ValueError("unsafe database name")
    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        suffix = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        await conn.execute(f"CREATE DATABASE {name}{suffix}")
    finally:
        await conn.close()


async def drop_database(url: str, name: str) -> None:
    if not NAME_RE.match(name):
        raise ValueError("unsafe database name")
    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


async def truncate_all(url: str) -> None:
    """Empty every table but Alembic's and restart the id sequences.

    ``DELETE`` with foreign-key triggers off (``session_replication_role = replica``) rather
    than ``TRUNCATE``: on tables holding a handful of rows it avoids creating and syncing new
    files for every table, which makes it several times faster.
    """
    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
            for row in tables:
                await conn.execute(f'DELETE FROM "{row["tablename"]}"')
            sequences = await conn.fetch(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = 'public'"
            )
            for row in sequences:
                await conn.execute(f"SELECT setval('\"{row['sequence_name']}\"', 1, false)")
    finally:
        await conn.close()
