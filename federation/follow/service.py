"""Follows between co-ops: asking, answering, taking back, and the lists.

Outgoing (we follow a partner): ``follow`` stores a pending ``Following`` and sends the
``Follow``; the partner's ``Accept`` or ``Reject`` (``answer_received``) settles it;
``unfollow`` sends ``Undo{Follow}`` and forgets the row.

Incoming (a partner follows us): ``follow_received`` stores a ``Follower`` and, with the
auto-accept setting on, accepts at once; otherwise an admin ``approve``s or ``reject``s it.
``remove_follower`` ends an accepted follow with a ``Reject`` (Mastodon's "remove follower");
``undo_received`` forgets a follower who unfollowed.

Every function runs in the caller's transaction: the row change and the activity it sends
(through ``federation.delivery.outbox.publish``) commit together or not at all. Admin
actions are audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import vocabulary
from federation.actor import COOP_NAME, LocalUrls
from federation.delivery import outbox
from federation.follow.model import Follower, Following, FollowState
from federation.keys import INSTANCE_ACTOR
from federation.remote import authority_of
from governance import audit
from governance.errors import Conflict, InvalidInput, NotFound
from governance.i18n import N_

__all__ = [
    "AlreadyFollowing",
    "FollowTarget",
    "FollowerNotFound",
    "FollowingNotFound",
    "FollowsYourself",
    "NotPending",
    "Page",
    "UnexpectedAnswer",
    "answer_received",
    "approve",
    "count_followers",
    "count_following",
    "follow",
    "follow_received",
    "followers_page",
    "following_page",
    "get_follower",
    "get_following",
    "reject",
    "remove_follower",
    "undo_received",
    "unfollow",
]


class FollowsYourself(InvalidInput):
    code = "follows_yourself"


class AlreadyFollowing(Conflict):
    code = "already_following"


class FollowingNotFound(NotFound):
    code = "following_not_found"


class FollowerNotFound(NotFound):
    code = "follower_not_found"


class NotPending(Conflict):
    code = "follow_not_pending"


class UnexpectedAnswer(Exception):
    """An ``Accept``/``Reject``/``Undo`` that does not fit a follow we know of, or comes from
    an actor who may not send it (recorded on the inbox item)."""


@dataclass(frozen=True, slots=True)
class FollowTarget:
    """The remote actor to follow, as discovered (WebFinger, then its actor document)."""

    uri: str
    inbox: str
    handle: str | None = None


def _key_of(local_actor: str) -> str:
    # Only the co-op follows and is followed for now; members' actors never send follows.
    if local_actor != COOP_NAME:
        raise ValueError(f"only the co-op actor takes part in follows, not {local_actor!r}")
    return INSTANCE_ACTOR


def _new_id(urls: LocalUrls) -> str:
    return urls.activity(str(uuid.uuid4()))


# --- we follow a partner -----------------------------------------------------------------


async def get_following(session: AsyncSession, local_actor: str, actor_uri: str) -> Following:
    row = await session.scalar(
        select(Following).where(
            Following.local_actor == local_actor, Following.actor_uri == actor_uri
        )
    )
    if row is None:
        raise FollowingNotFound(N_("This co-op does not follow %(actor)s."), actor=actor_uri)
    return row


async def follow(
    session: AsyncSession,
    target: FollowTarget,
    *,
    urls: LocalUrls,
    now: datetime,
    by: int | None = None,
    local_actor: str = COOP_NAME,
) -> Following:
    """Ask ``target`` to let ``local_actor`` follow it; pending until it answers.

    Refuses our own instance (``FollowsYourself``) and an actor already followed or asked
    (``AlreadyFollowing``); a follow the partner rejected may be asked again."""
    key = _key_of(local_actor)
    if authority_of(target.uri) == urls.domain:
        raise FollowsYourself(
            N_("A co-op cannot follow itself or another actor of its own instance.")
        )
    row = await session.scalar(
        select(Following).where(
            Following.local_actor == local_actor, Following.actor_uri == target.uri
        )
    )
    if row is not None and row.state is not FollowState.REJECTED:
        raise AlreadyFollowing(
            N_("This co-op already follows %(actor)s (%(state)s)."),
            actor=target.handle or target.uri,
            state=row.state.value,
        )
    activity_id = _new_id(urls)
    if row is None:
        row = Following(local_actor=local_actor, actor_uri=target.uri, created_at=now)
        session.add(row)
    row.handle = target.handle
    row.follow_activity_id = activity_id
    row.state = FollowState.PENDING
    row.updated_at = now
    await session.flush()
    activity = vocabulary.follow_to_as(
        activity_id, actor=urls.actor(local_actor), target=target.uri
    )
    await outbox.publish(
        session, actor=key, activity=activity, inboxes=[target.inbox], now=now, public=False
    )
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="federation.follow",
        target=target.uri[:255],
        details={"handle": target.handle or ""},
    )
    return row


async def unfollow(
    session: AsyncSession,
    actor_uri: str,
    *,
    inbox: str,
    urls: LocalUrls,
    now: datetime,
    by: int | None = None,
    local_actor: str = COOP_NAME,
) -> None:
    """Stop following ``actor_uri`` (or withdraw the request): ``Undo{Follow}`` to its
    ``inbox``, and the row is gone."""
    key = _key_of(local_actor)
    row = await get_following(session, local_actor, actor_uri)
    sent = vocabulary.follow_to_as(
        row.follow_activity_id, actor=urls.actor(local_actor), target=row.actor_uri
    )
    undo = vocabulary.undo_to_as(_new_id(urls), actor=urls.actor(local_actor), undone=sent)
    await outbox.publish(session, actor=key, activity=undo, inboxes=[inbox], now=now, public=False)
    await session.delete(row)
    await audit.record(
        session, now=now, actor_id=by, action="federation.unfollow", target=actor_uri[:255]
    )
    await session.flush()


def _object_id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


async def answer_received(
    session: AsyncSession, *, kind: str, actor: str, payload: dict[str, Any], now: datetime
) -> Following:
    """A partner's ``Accept`` or ``Reject`` of our Follow. It must name our Follow (by id)
    and come from the actor that Follow asked; else ``UnexpectedAnswer``."""
    follow_id = _object_id(payload.get("object"))
    if follow_id is None:
        raise UnexpectedAnswer(f"the {kind} names no Follow activity")
    row = await session.scalar(select(Following).where(Following.follow_activity_id == follow_id))
    if row is None:
        raise UnexpectedAnswer(f"the {kind} answers {follow_id}, which is not a Follow we sent")
    if row.actor_uri != actor:
        raise UnexpectedAnswer(f"{actor} may not {kind.lower()} a Follow sent to {row.actor_uri}")
    row.state = FollowState.ACCEPTED if kind == "Accept" else FollowState.REJECTED
    row.updated_at = now
    await session.flush()
    return row


# --- a partner follows us ----------------------------------------------------------------


async def get_follower(session: AsyncSession, follower_id: int) -> Follower:
    row = await session.get(Follower, follower_id)
    if row is None:
        raise FollowerNotFound(N_("There is no follower with id %(id)s."), id=follower_id)
    return row


def _their_follow(row: Follower, urls: LocalUrls) -> dict[str, Any]:
    """The Follow activity the follower sent, as our answer embeds it."""
    return vocabulary.follow_to_as(
        row.follow_activity_id, actor=row.actor_uri, target=urls.actor(row.local_actor)
    )


async def _answer(
    session: AsyncSession, row: Follower, kind: str, *, urls: LocalUrls, now: datetime
) -> None:
    build = vocabulary.accept_to_as if kind == "Accept" else vocabulary.reject_to_as
    activity = build(
        _new_id(urls), actor=urls.actor(row.local_actor), follow=_their_follow(row, urls)
    )
    await outbox.publish(
        session,
        actor=_key_of(row.local_actor),
        activity=activity,
        inboxes=[row.inbox_url],
        now=now,
        public=False,
    )


async def follow_received(
    session: AsyncSession,
    *,
    local_actor: str,
    actor: str,
    follow_id: str,
    inbox: str,
    shared_inbox: str | None,
    auto_accept: bool,
    urls: LocalUrls,
    now: datetime,
) -> Follower:
    """Record ``actor``'s Follow of ``local_actor``. Accepted at once with ``auto_accept``,
    or when the actor already follows (a repeated Follow is answered again, as Mastodon
    expects); otherwise pending for an admin. A follower rejected before asks anew."""
    _key_of(local_actor)
    row = await session.scalar(
        select(Follower).where(Follower.local_actor == local_actor, Follower.actor_uri == actor)
    )
    if row is None:
        row = Follower(local_actor=local_actor, actor_uri=actor, created_at=now)
        session.add(row)
        row.state = FollowState.PENDING
    elif row.state is FollowState.REJECTED:
        row.state = FollowState.PENDING
        row.created_at, row.decided_at = now, None
    row.inbox_url = inbox
    row.shared_inbox_url = shared_inbox
    row.follow_activity_id = follow_id
    await session.flush()
    if row.state is FollowState.ACCEPTED or auto_accept:
        row.state = FollowState.ACCEPTED
        row.decided_at = row.decided_at or now
        await _answer(session, row, "Accept", urls=urls, now=now)
    await session.flush()
    return row


async def _decide(
    session: AsyncSession,
    follower_id: int,
    kind: str,
    *,
    urls: LocalUrls,
    now: datetime,
    by: int | None,
) -> Follower:
    row = await get_follower(session, follower_id)
    if row.state is not FollowState.PENDING:
        raise NotPending(
            N_("The follow request of %(actor)s is %(state)s, not pending."),
            actor=row.actor_uri,
            state=row.state.value,
        )
    row.state = FollowState.ACCEPTED if kind == "Accept" else FollowState.REJECTED
    row.decided_at = now
    await _answer(session, row, kind, urls=urls, now=now)
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="federation.follower_" + ("approve" if kind == "Accept" else "reject"),
        target=row.actor_uri[:255],
    )
    await session.flush()
    return row


async def approve(
    session: AsyncSession, follower_id: int, *, urls: LocalUrls, now: datetime, by: int | None
) -> Follower:
    """Accept a pending follow request (sends ``Accept``)."""
    return await _decide(session, follower_id, "Accept", urls=urls, now=now, by=by)


async def reject(
    session: AsyncSession, follower_id: int, *, urls: LocalUrls, now: datetime, by: int | None
) -> Follower:
    """Refuse a pending follow request (sends ``Reject``); the row stays, rejected."""
    return await _decide(session, follower_id, "Reject", urls=urls, now=now, by=by)


async def remove_follower(
    session: AsyncSession, follower_id: int, *, urls: LocalUrls, now: datetime, by: int | None
) -> None:
    """End a follow (accepted or pending): ``Reject`` of its Follow, and the row is gone."""
    row = await get_follower(session, follower_id)
    await _answer(session, row, "Reject", urls=urls, now=now)
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="federation.follower_remove",
        target=row.actor_uri[:255],
    )
    await session.delete(row)
    await session.flush()


async def undo_received(session: AsyncSession, *, actor: str, follow: Any, urls: LocalUrls) -> bool:
    """``actor`` unfollowed: forget its follow. The Undo's Follow must be ``actor``'s own
    (else ``UnexpectedAnswer``). Returns whether a follower row was removed."""
    follow_id = _object_id(follow)
    follow_actor = follow.get("actor") if isinstance(follow, dict) else None
    if isinstance(follow_actor, dict):
        follow_actor = follow_actor.get("id")
    if follow_actor is not None and follow_actor != actor:
        raise UnexpectedAnswer(f"{actor} may not undo a Follow sent by {follow_actor}")
    query = select(Follower).where(Follower.actor_uri == actor)
    target = follow.get("object") if isinstance(follow, dict) else None
    name = urls.actor_name(target) if isinstance(target, str) else None
    if name is not None:
        query = query.where(Follower.local_actor == name)
    elif follow_id is not None:
        query = query.where(Follower.follow_activity_id == follow_id)
    rows = list(await session.scalars(query))
    for row in rows:
        await session.delete(row)
    await session.flush()
    return bool(rows)


# --- lists ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, and whether another follows."""

    items: list[Any]
    has_next: bool


async def _page_of(
    session: AsyncSession,
    model: type[Follower] | type[Following],
    local_actor: str,
    state: FollowState | None,
    page: int,
    size: int,
) -> Page:
    query = select(model).where(model.local_actor == local_actor)
    if state is not None:
        query = query.where(model.state == state)
    query = query.order_by(model.id).offset((page - 1) * size).limit(size + 1)
    rows = list(await session.scalars(query))
    return Page(rows[:size], len(rows) > size)


async def _count(
    session: AsyncSession,
    model: type[Follower] | type[Following],
    local_actor: str,
    state: FollowState,
) -> int:
    query = (
        select(func.count())
        .select_from(model)
        .where(model.local_actor == local_actor, model.state == state)
    )
    return int(await session.scalar(query) or 0)


async def followers_page(
    session: AsyncSession,
    local_actor: str,
    *,
    state: FollowState | None = FollowState.ACCEPTED,
    page: int = 1,
    size: int = 50,
) -> Page:
    """Followers, oldest first (``state`` None: every state)."""
    return await _page_of(session, Follower, local_actor, state, page, size)


async def following_page(
    session: AsyncSession,
    local_actor: str,
    *,
    state: FollowState | None = FollowState.ACCEPTED,
    page: int = 1,
    size: int = 50,
) -> Page:
    """Actors followed (or asked), oldest first (``state`` None: every state)."""
    return await _page_of(session, Following, local_actor, state, page, size)


async def count_followers(
    session: AsyncSession, local_actor: str, state: FollowState = FollowState.ACCEPTED
) -> int:
    return await _count(session, Follower, local_actor, state)


async def count_following(
    session: AsyncSession, local_actor: str, state: FollowState = FollowState.ACCEPTED
) -> int:
    return await _count(session, Following, local_actor, state)
