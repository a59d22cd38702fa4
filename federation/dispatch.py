"""Inbox processing by activity type: the handlers ``federation.inbox.InboxProcessor`` runs.

``build_handlers(env)`` returns one handler per type we understand:

    Follow           a remote actor follows the co-op (accepted at once with the
                     auto-accept setting, else pending for an admin)
    Accept, Reject   the answer to a Follow we sent: it must name our Follow and come from
                     the actor we asked
    Undo             of a Follow: the follower's own Follow only
    Create           a Question or Note from a co-op we follow, attributed to the sender
    Update           a Question or Note by its author; or the sender's own actor document
                     (e.g. after a key rotation)
    Delete           the sender's own object, or the sender itself

A handler raises when the activity cannot be applied (``DispatchError`` or a service error):
the processor then records the item as failed with the message, where an admin sees it and
can retry it. A type with no handler is recorded as failed by the processor the same way.
Nothing is dropped silently. The host policy (block list, allow-list mode) was applied when
the item was stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actor import COOP_NAME, LocalUrls
from federation.feed import service as feed
from federation.follow import service as follows
from federation.follow.model import Follower, Following, FollowState
from federation.inbox import ActivityHandler
from federation.models import InboxItem, RemoteActor
from federation.policy import load_config
from federation.remote import (
    ACTOR_TYPES,
    InvalidActorDocument,
    ParsedActor,
    as_to_remote_actor,
    store_actor,
)
from governance.clock import Clock

__all__ = ["DispatchError", "InboxEnv", "RemoteInboxes", "build_handlers"]

FetchActor = Callable[[str], Awaitable[ParsedActor]]


class DispatchError(Exception):
    """The activity cannot be applied as it stands; the message says why."""


@dataclass(frozen=True, slots=True)
class RemoteInboxes:
    inbox: str
    shared_inbox: str | None


@dataclass(frozen=True)
class InboxEnv:
    """What the handlers need of the running instance.

    ``fetch_actor`` fetches a remote actor through the safe client (None where no client is
    running); the handlers first use the copy stored when the sender's key was fetched.
    """

    urls: LocalUrls
    clock: Clock
    fetch_actor: FetchActor | None = None


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _type(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    kinds = value.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return next((k for k in kinds if isinstance(k, str)), None)


async def _inboxes(session: AsyncSession, env: InboxEnv, actor: str) -> RemoteInboxes:
    row = await session.scalar(select(RemoteActor).where(RemoteActor.uri == actor))
    if row is not None:
        return RemoteInboxes(row.inbox, row.shared_inbox)
    if env.fetch_actor is None:
        raise DispatchError(f"{actor} is not known here and cannot be fetched now")
    parsed = await env.fetch_actor(actor)
    return RemoteInboxes(parsed.inbox, parsed.shared_inbox)


async def _partner(session: AsyncSession, actor: str) -> None:
    """Only co-ops we follow (accepted) publish to our feed."""
    row = await session.scalar(
        select(Following.id).where(
            Following.actor_uri == actor, Following.state == FollowState.ACCEPTED
        )
    )
    if row is None:
        raise DispatchError(f"{actor} is not a co-op this instance follows; its post is not kept")


def build_handlers(env: InboxEnv) -> dict[str, ActivityHandler]:
    """The handlers by activity type, bound to this instance's URLs and clock."""
    urls = env.urls

    async def on_follow(session: AsyncSession, item: InboxItem) -> None:
        target = _id(item.payload.get("object"))
        name = urls.actor_name(target) if target is not None else None
        if target is None or name is None or target != urls.actor(name):
            raise DispatchError(f"the Follow's object {target!r} is not an actor of this instance")
        if name != COOP_NAME:
            raise DispatchError(f"only the co-op ({urls.actor(COOP_NAME)}) can be followed")
        inboxes = await _inboxes(session, env, item.actor)
        config = await load_config(session)
        await follows.follow_received(
            session,
            local_actor=name,
            actor=item.actor,
            follow_id=item.activity_id,
            inbox=inboxes.inbox,
            shared_inbox=inboxes.shared_inbox,
            auto_accept=config.auto_accept_follows if config is not None else True,
            urls=urls,
            now=env.clock.now(),
        )

    def on_answer(kind: str) -> ActivityHandler:
        async def handler(session: AsyncSession, item: InboxItem) -> None:
            try:
                await follows.answer_received(
                    session, kind=kind, actor=item.actor, payload=item.payload, now=env.clock.now()
                )
            except follows.UnexpectedAnswer as error:
                raise DispatchError(str(error)) from error

        return handler

    async def on_undo(session: AsyncSession, item: InboxItem) -> None:
        undone = item.payload.get("object")
        kind = _type(undone)
        if kind not in (None, "Follow"):
            raise DispatchError(f"an Undo of {kind} is not handled here")
        try:
            await follows.undo_received(session, actor=item.actor, follow=undone, urls=urls)
        except follows.UnexpectedAnswer as error:
            raise DispatchError(str(error)) from error

    async def on_create(session: AsyncSession, item: InboxItem) -> None:
        await _partner(session, item.actor)
        try:
            await feed.store_created(
                session, actor=item.actor, obj=item.payload.get("object"), now=env.clock.now()
            )
        except (feed.UnusableObject, feed.ForbiddenChange) as error:
            raise DispatchError(str(error)) from error

    async def on_update(session: AsyncSession, item: InboxItem) -> None:
        obj = item.payload.get("object")
        if _type(obj) in ACTOR_TYPES:
            await _actor_updated(session, item.actor, obj, env)
            return
        await _partner(session, item.actor)
        try:
            await feed.store_updated(session, actor=item.actor, obj=obj, now=env.clock.now())
        except (feed.UnusableObject, feed.ForbiddenChange) as error:
            raise DispatchError(str(error)) from error

    async def on_delete(session: AsyncSession, item: InboxItem) -> None:
        obj = item.payload.get("object")
        if _id(obj) == item.actor:
            await _actor_deleted(session, item.actor)
            return
        try:
            await feed.mark_deleted(session, actor=item.actor, obj=obj)
        except (feed.UnusableObject, feed.ForbiddenChange) as error:
            raise DispatchError(str(error)) from error

    return {
        "Follow": on_follow,
        "Accept": on_answer("Accept"),
        "Reject": on_answer("Reject"),
        "Undo": on_undo,
        "Create": on_create,
        "Update": on_update,
        "Delete": on_delete,
    }


async def _actor_updated(session: AsyncSession, actor: str, obj: Any, env: InboxEnv) -> None:
    if _id(obj) != actor:
        raise DispatchError(f"{actor} may only update its own actor document")
    try:
        parsed = as_to_remote_actor(obj)
    except InvalidActorDocument as error:
        raise DispatchError(str(error)) from error
    await store_actor(session, parsed, now=env.clock.now())
    # Delivery uses the inboxes stored with the follow: keep them current too.
    for row in await session.scalars(select(Follower).where(Follower.actor_uri == actor)):
        row.inbox_url, row.shared_inbox_url = parsed.inbox, parsed.shared_inbox


async def _actor_deleted(session: AsyncSession, actor: str) -> None:
    await session.execute(delete(Follower).where(Follower.actor_uri == actor))
    await session.execute(delete(Following).where(Following.actor_uri == actor))
