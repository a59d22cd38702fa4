"""Activities and objects this instance sends, built as plain AS2 dictionaries.

Pure converters, named by direction: ``follow_to_as``, ``accept_to_as``, ``question_to_as``
... They take values, never rows or sessions, so the shapes can be checked against what
Mastodon sends and expects without a database:

- ``Follow``: ``object`` is the followed actor's URI (Mastodon sends exactly this);
- ``Accept`` / ``Reject``: ``object`` is the Follow activity itself, embedded with its id,
  actor and object, so a receiver can match it whether or not it kept the Follow's id;
- ``Undo``: ``object`` is the activity undone, embedded;
- ``Question``: a poll as Mastodon displays it: ``oneOf`` (one answer) or ``anyOf`` (several),
  each option ``{"type": "Note", "name": ..., "replies": {"type": "Collection",
  "totalItems": n}}``, ``endTime``, ``closed`` once over, ``votersCount``, HTML ``content``;
- ``Note``: an announcement in HTML.

Public objects go ``to`` the Public collection and ``cc`` the actor's followers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from federation.actor import iso_time
from federation.context import ACTIVITYSTREAMS, AS_PUBLIC

__all__ = [
    "AnswerOption",
    "QuestionShape",
    "accept_to_as",
    "create_to_as",
    "delete_to_as",
    "follow_to_as",
    "note_to_as",
    "question_to_as",
    "reject_to_as",
    "undo_to_as",
    "update_to_as",
]

_VOTERS_COUNT: Final = {"toot": "http://joinmastodon.org/ns#", "votersCount": "toot:votersCount"}


def _public(actor: str, followers: str) -> dict[str, list[str]]:
    return {"to": [AS_PUBLIC], "cc": [followers]}


def _bare(activity: Mapping[str, Any]) -> dict[str, Any]:
    """An activity as embedded in another one: without its ``@context``."""
    return {key: value for key, value in activity.items() if key != "@context"}


def follow_to_as(activity_id: str, *, actor: str, target: str) -> dict[str, Any]:
    """``actor`` asks to follow ``target`` (Mastodon's shape: ``object`` is the URI)."""
    return {
        "@context": ACTIVITYSTREAMS,
        "id": activity_id,
        "type": "Follow",
        "actor": actor,
        "object": target,
    }


def _answer(kind: str, activity_id: str, actor: str, follow: Mapping[str, Any]) -> dict[str, Any]:
    to = follow.get("actor")
    answer: dict[str, Any] = {
        "@context": ACTIVITYSTREAMS,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": _bare(follow),
    }
    if isinstance(to, str):
        answer["to"] = [to]
    return answer


def accept_to_as(activity_id: str, *, actor: str, follow: Mapping[str, Any]) -> dict[str, Any]:
    """``actor`` accepts ``follow`` (the Follow activity, embedded)."""
    return _answer("Accept", activity_id, actor, follow)


def reject_to_as(activity_id: str, *, actor: str, follow: Mapping[str, Any]) -> dict[str, Any]:
    """``actor`` rejects ``follow``, or ends an accepted follow (Mastodon's "remove
    follower")."""
    return _answer("Reject", activity_id, actor, follow)


def undo_to_as(activity_id: str, *, actor: str, undone: Mapping[str, Any]) -> dict[str, Any]:
    """``actor`` takes back ``undone`` (one of its own activities, embedded)."""
    undo: dict[str, Any] = {
        "@context": ACTIVITYSTREAMS,
        "id": activity_id,
        "type": "Undo",
        "actor": actor,
        "object": _bare(undone),
    }
    target = undone.get("object")
    if isinstance(target, str):
        undo["to"] = [target]
    return undo


def _wrap(
    kind: str, activity_id: str, actor: str, obj: Mapping[str, Any], when: datetime
) -> dict[str, Any]:
    wrapped: dict[str, Any] = {
        "@context": obj.get("@context", ACTIVITYSTREAMS),
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "published": iso_time(when),
        "object": _bare(obj),
    }
    for field in ("to", "cc"):
        if field in obj:
            wrapped[field] = obj[field]
    return wrapped


def create_to_as(
    activity_id: str, *, actor: str, obj: Mapping[str, Any], published: datetime
) -> dict[str, Any]:
    """``actor`` creates ``obj``; addressed as the object is."""
    return _wrap("Create", activity_id, actor, obj, published)


def update_to_as(
    activity_id: str, *, actor: str, obj: Mapping[str, Any], updated: datetime
) -> dict[str, Any]:
    """``actor`` updates ``obj`` (the whole new object); addressed as the object is."""
    return _wrap("Update", activity_id, actor, obj, updated)


def delete_to_as(activity_id: str, *, actor: str, object_id: str, followers: str) -> dict[str, Any]:
    """``actor`` deletes its object ``object_id`` (a ``Tombstone`` stands in for it)."""
    return {
        "@context": ACTIVITYSTREAMS,
        "id": activity_id,
        "type": "Delete",
        "actor": actor,
        "object": {"id": object_id, "type": "Tombstone"},
        **_public(actor, followers),
    }


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One answer of a poll and, once counted, how many ballots it got."""

    name: str
    count: int = 0


@dataclass(frozen=True, slots=True)
class QuestionShape:
    """Everything a ``Question`` shows: the text, the answers, the times, the result."""

    object_id: str
    url: str
    actor: str
    followers: str
    name: str
    content_html: str
    options: Sequence[AnswerOption]
    multiple: bool  # anyOf (approval, several answers) rather than oneOf
    published: datetime
    end_time: datetime | None
    closed: datetime | None = None  # set once voting is over
    voters: int | None = None  # ballots cast, known once closed
    result_html: str = ""  # a line saying the outcome, appended to content after close
    updated: datetime | None = None


def question_to_as(shape: QuestionShape) -> dict[str, Any]:
    """A proposal as a poll Mastodon displays. Before close every count is 0 (ballots stay
    private until the result is published); after close the counts are the result's."""
    options = [
        {
            "type": "Note",
            "name": option.name,
            "replies": {"type": "Collection", "totalItems": max(int(option.count), 0)},
        }
        for option in shape.options
    ]
    content = shape.content_html
    if shape.result_html:
        content = f"{content}{shape.result_html}"
    question: dict[str, Any] = {
        "@context": [ACTIVITYSTREAMS, _VOTERS_COUNT],
        "id": shape.object_id,
        "type": "Question",
        "attributedTo": shape.actor,
        "name": shape.name,
        "content": content,
        "mediaType": "text/html",
        "url": shape.url,
        "published": iso_time(shape.published),
        "anyOf" if shape.multiple else "oneOf": options,
        **_public(shape.actor, shape.followers),
    }
    if shape.end_time is not None:
        question["endTime"] = iso_time(shape.end_time)
    if shape.closed is not None:
        question["closed"] = iso_time(shape.closed)
    if shape.voters is not None:
        question["votersCount"] = max(int(shape.voters), 0)
    if shape.updated is not None:
        question["updated"] = iso_time(shape.updated)
    return question


def note_to_as(
    *,
    object_id: str,
    actor: str,
    followers: str,
    content_html: str,
    published: datetime,
    url: str | None = None,
    summary: str | None = None,
) -> dict[str, Any]:
    """A public announcement by ``actor``."""
    note: dict[str, Any] = {
        "@context": ACTIVITYSTREAMS,
        "id": object_id,
        "type": "Note",
        "attributedTo": actor,
        "content": content_html,
        "mediaType": "text/html",
        "published": iso_time(published),
        "url": url or object_id,
        **_public(actor, followers),
    }
    if summary:
        note["summary"] = summary
    return note
