"""The partner feed: questions and notes partner co-ops publish, as last received.

``as_to_feed_object`` reads what we keep of a received ``Question`` or ``Note`` (pure, no
database): its id, author, HTML content, and for a question the answers with their counts,
the end time and, once over, when it closed. ``store_created`` / ``store_updated`` /
``mark_deleted`` keep the ``remote_objects`` rows; each checks that the sender may do what it
claims: an object is created only by its ``attributedTo`` actor on that actor's host, and
only that actor may update or delete it.

HTML from other servers is never trusted: ``FeedItem.content_html`` is the sanitized form
(``clean_html``) the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import nh3
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.feed.model import RemoteObject
from federation.remote import authority_of

__all__ = [
    "FEED_TYPES",
    "FeedAnswer",
    "FeedItem",
    "ForbiddenChange",
    "UnusableObject",
    "as_to_feed_object",
    "clean_html",
    "count",
    "get_by_uri",
    "mark_deleted",
    "recent",
    "store_created",
    "store_updated",
]

FEED_TYPES: Final = frozenset({"Question", "Note"})
_MAX_URI: Final = 2048
_MAX_TEXT: Final = 100_000


class UnusableObject(ValueError):
    """The object is not one the feed can keep (type, shape, origin)."""


class ForbiddenChange(PermissionError):
    """The sender may not create, update or delete this object."""


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A received object, as the partner feed shows it."""

    uri: str
    kind: str  # "Question" or "Note"
    actor: str
    name: str
    content_html: str
    url: str | None
    published: datetime | None
    answers: tuple[FeedAnswer, ...] = ()
    multiple: bool = False
    end_time: datetime | None = None
    closed: datetime | None = None
    voters: int | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed is not None


def _uri(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and len(value) <= _MAX_URI and authority_of(value) is not None:
        return value
    return None


def _first_type(value: Any) -> str | None:
    kinds = value if isinstance(value, list) else [value]
    return next((k for k in kinds if isinstance(k, str)), None)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset) as an aware UTC datetime, else None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.astimezone(UTC)


_ALLOWED_TAGS: Final = frozenset(
    {
        "p",
        "br",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "span",
    }
)


def clean_html(raw: str) -> str:
    """HTML from another server reduced by nh3 (an allow-list sanitiser) to a few harmless
    tags; links keep only an http(s) ``href`` and get ``rel="nofollow noopener"``."""
    return nh3.clean(
        raw[:_MAX_TEXT],
        tags=set(_ALLOWED_TAGS),
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="nofollow noopener",
    )


def _answers(document: dict[str, Any]) -> tuple[tuple[FeedAnswer, ...], bool]:
    multiple = "anyOf" in document and "oneOf" not in document
    options = document.get("anyOf" if multiple else "oneOf")
    answers: list[FeedAnswer] = []
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            continue
        replies = option.get("replies")
        total = replies.get("totalItems") if isinstance(replies, dict) else 0
        count = total if isinstance(total, int) and not isinstance(total, bool) else 0
        answers.append(FeedAnswer(option["name"][:500], max(count, 0)))
    return tuple(answers), multiple


def as_to_feed_object(document: dict[str, Any]) -> FeedItem:
    """What the feed keeps of a received object. Raises ``UnusableObject``."""
    kind = _first_type(document.get("type"))
    if kind not in FEED_TYPES:
        raise UnusableObject(f"the partner feed keeps questions and notes, not {kind!r}")
    uri = _uri(document.get("id"))
    if uri is None or not isinstance(document.get("id"), str):
        raise UnusableObject("the object needs an http(s) id")
    actor = _uri(document.get("attributedTo"))
    if actor is None:
        raise UnusableObject("the object needs an attributedTo actor")
    content = document.get("content")
    name = document.get("name")
    url = document.get("url")
    voters = document.get("votersCount")
    item = FeedItem(
        uri=uri,
        kind=kind,
        actor=actor,
        name=name[:500] if isinstance(name, str) else "",
        content_html=clean_html(content) if isinstance(content, str) else "",
        url=_uri(url) if not isinstance(url, list) else None,
        published=parse_time(document.get("published")),
    )
    if kind != "Question":
        return item
    answers, multiple = _answers(document)
    return FeedItem(
        **{field: getattr(item, field) for field in ("uri", "kind", "actor", "name")},
        content_html=item.content_html,
        url=item.url,
        published=item.published,
        answers=answers,
        multiple=multiple,
        end_time=parse_time(document.get("endTime")),
        closed=parse_time(document.get("closed")),
        voters=voters if isinstance(voters, int) and not isinstance(voters, bool) else None,
    )


def _embedded(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnusableObject("the object must be embedded in the activity, not only linked")
    return value


def _check_author(item: FeedItem, actor: str) -> None:
    if item.actor != actor:
        raise ForbiddenChange(f"{actor} may not publish an object attributed to {item.actor}")
    if authority_of(item.uri) != authority_of(actor):
        raise ForbiddenChange(f"{actor} may not publish an object with the id {item.uri}")


async def get_by_uri(session: AsyncSession, uri: str) -> RemoteObject | None:
    return await session.scalar(select(RemoteObject).where(RemoteObject.object_uri == uri))


async def store_created(
    session: AsyncSession, *, actor: str, obj: Any, now: datetime
) -> RemoteObject:
    """Keep an object ``actor`` created. A second Create of the same object (a replay, or a
    Create after its Update) changes nothing; a deleted object stays deleted."""
    document = _embedded(obj)
    item = as_to_feed_object(document)
    _check_author(item, actor)
    row = await get_by_uri(session, item.uri)
    if row is not None:
        if row.actor_uri != actor:
            raise ForbiddenChange(f"{item.uri} was published by {row.actor_uri}, not {actor}")
        return row
    row = RemoteObject(
        object_uri=item.uri,
        object_type=item.kind,
        actor_uri=actor,
        payload=document,
        published_at=item.published or now,
        received_at=now,
        deleted=False,
    )
    session.add(row)
    await session.flush()
    return row


async def store_updated(
    session: AsyncSession, *, actor: str, obj: Any, now: datetime
) -> RemoteObject:
    """Replace an object with the new version ``actor`` sent; only its author may, and only
    an object we have (an Update of an unknown object is kept as if created)."""
    document = _embedded(obj)
    item = as_to_feed_object(document)
    _check_author(item, actor)
    row = await get_by_uri(session, item.uri)
    if row is None:
        return await store_created(session, actor=actor, obj=document, now=now)
    if row.actor_uri != actor:
        raise ForbiddenChange(f"{actor} may not update {item.uri}, published by {row.actor_uri}")
    if row.deleted:
        raise ForbiddenChange(f"{item.uri} was deleted; an Update cannot bring it back")
    row.payload = document
    row.object_type = item.kind
    row.updated_at = now
    await session.flush()
    return row


async def mark_deleted(session: AsyncSession, *, actor: str, obj: Any) -> bool:
    """Mark ``actor``'s object deleted; False when we never had it. Another actor's object
    raises ``ForbiddenChange``."""
    uri = _uri(obj)
    if uri is None:
        raise UnusableObject("the Delete names no object id")
    row = await get_by_uri(session, uri)
    if row is None:
        return False
    if row.actor_uri != actor:
        raise ForbiddenChange(f"{actor} may not delete {uri}, published by {row.actor_uri}")
    row.deleted = True
    await session.flush()
    return True


async def recent(
    session: AsyncSession, *, limit: int = 50, offset: int = 0, kind: str | None = None
) -> list[tuple[RemoteObject, FeedItem]]:
    """Objects not deleted, newest first, each with what the feed shows of it."""
    query = select(RemoteObject).where(RemoteObject.deleted.is_(False))
    if kind is not None:
        query = query.where(RemoteObject.object_type == kind)
    query = query.order_by(RemoteObject.published_at.desc(), RemoteObject.id.desc())
    rows = list(await session.scalars(query.offset(offset).limit(limit)))
    items: list[tuple[RemoteObject, FeedItem]] = []
    for row in rows:
        try:
            items.append((row, as_to_feed_object(row.payload)))
        except UnusableObject:
            continue  # stored by a check since tightened: not shown, still kept
    return items


async def count(session: AsyncSession) -> int:
    query = select(func.count()).select_from(RemoteObject).where(RemoteObject.deleted.is_(False))
    return int(await session.scalar(query) or 0)
