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
