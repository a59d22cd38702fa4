"""The items of an actor's ``outbox``, ``followers`` and ``following`` collections.

``followers`` and ``following`` list accepted follows (actor URIs, oldest first); the
``outbox`` lists the public activities the actor published, newest first. Pages hold
``PAGE_SIZE`` items and are numbered from 1.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actor import LocalActor
from federation.follow import service as follows
from federation.models import OutboxActivity

__all__ = ["PAGE_SIZE", "page", "total"]

PAGE_SIZE: Final = 50


def _public_outbox(local: LocalActor) -> Any:
    return (OutboxActivity.actor == local.key_owner, OutboxActivity.public.is_(True))


async def total(session: AsyncSession, kind: str, local: LocalActor) -> int:
    """How many items the collection ``kind`` of ``local`` holds."""
    if kind == "followers":
        return await follows.count_followers(session, local.name)
    if kind == "following":
        return await follows.count_following(session, local.name)
    query = select(func.count()).select_from(OutboxActivity).where(*_public_outbox(local))
    return int(await session.scalar(query) or 0)


async def page(
    session: AsyncSession, kind: str, local: LocalActor, number: int
) -> tuple[list[Any], bool]:
    """The items on page ``number`` and whether a next page exists."""
    if kind == "followers":
        found = await follows.followers_page(session, local.name, page=number, size=PAGE_SIZE)
        return [row.actor_uri for row in found.items], found.has_next
    if kind == "following":
        found = await follows.following_page(session, local.name, page=number, size=PAGE_SIZE)
        return [row.actor_uri for row in found.items], found.has_next
    rows = list(
        await session.scalars(
            select(OutboxActivity)
            .where(*_public_outbox(local))
            .order_by(OutboxActivity.id.desc())
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    items = [
        {key: value for key, value in row.payload.items() if key != "@context"}
        for row in rows[:PAGE_SIZE]
    ]
    return items, len(rows) > PAGE_SIZE
