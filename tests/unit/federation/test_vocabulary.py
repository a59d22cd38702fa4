"""The activities we send, in the shapes Mastodon sends and expects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from federation import vocabulary
from federation.context import AS_PUBLIC
from federation.vocabulary import AnswerOption, QuestionShape

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
WHEN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
US = "https://coop.example/actors/coop"


def mastodon_follow() -> dict[str, object]:
    document: dict[str, object] = json.loads((FIXTURES / "follow.json").read_text("utf-8"))
    return document


def test_follow_to_as__has_mastodon_s_shape() -> None:
    ours = vocabulary.follow_to_as(
        "https://coop.example/activities/1", actor=US, target="https://mastodon.example/users/a"
    )
    theirs = mastodon_follow()
    assert set(ours) == set(theirs)
    assert isinstance(ours["object"], str)


def test_accept_to_as__embeds_the_follow_it_answers() -> None:
    follow = mastodon_follow()
    accept = vocabulary.accept_to_as("https://coop.example/activities/2", actor=US, follow=follow)
    assert accept["type"] == "Accept" and accept["actor"] == US
    assert accept["object"] == {k: v for k, v in follow.items() if k != "@context"}
    assert accept["to"] == [follow["actor"]]


def test_reject_and_undo__embed_the_activity() -> None:
    follow = vocabulary.follow_to_as(
        "https://coop.example/f/1", actor=US, target="https://p.example/a"
    )
    undo = vocabulary.undo_to_as("https://coop.example/u/1", actor=US, undone=follow)
    assert undo["object"]["type"] == "Follow" and "@context" not in undo["object"]
    assert undo["to"] == ["https://p.example/a"]
    reject = vocabulary.reject_to_as("https://coop.example/r/1", actor=US, follow=mastodon_follow())
    assert reject["type"] == "Reject"


def shape(**changes: object) -> QuestionShape:
    values: dict[str, object] = {
        "object_id": "https://coop.example/questions/7",
        "url": "https://coop.example/proposals/7",
        "actor": US,
        "followers": f"{US}/followers",
        "name": "Buy a van?",
        "content_html": "<p>For deliveries.</p>",
        "options": [AnswerOption("Yes"), AnswerOption("No")],
        "multiple": False,
        "published": WHEN,
        "end_time": WHEN.replace(day=27),
    }
    values.update(changes)
    return QuestionShape(**values)  # type: ignore[arg-type]


def test_question_to_as__is_a_poll_mastodon_displays() -> None:
    question = vocabulary.question_to_as(shape())
    assert question["type"] == "Question"
    assert question["oneOf"] == [
        {"type": "Note", "name": "Yes", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "No", "replies": {"type": "Collection", "totalItems": 0}},
    ]
    assert "anyOf" not in question and "closed" not in question
    assert question["endTime"] == "2026-11-27T12:00:00Z"
    assert question["to"] == [AS_PUBLIC] and question["cc"] == [f"{US}/followers"]
    assert question["attributedTo"] == US and question["url"].endswith("/proposals/7")


def test_question_to_as__after_close_carries_counts_and_closed() -> None:
    question = vocabulary.question_to_as(
        shape(
            options=[AnswerOption("A", 3), AnswerOption("B", 1)],
            multiple=True,
            closed=WHEN.replace(day=27),
            voters=4,
            result_html="<p>Result: passed</p>",
        )
    )
    assert [o["replies"]["totalItems"] for o in question["anyOf"]] == [3, 1]
    assert question["closed"] == "2026-11-27T12:00:00Z"
    assert question["votersCount"] == 4
    assert question["content"].endswith("<p>Result: passed</p>")


def test_create_to_as__is_addressed_as_its_object() -> None:
    question = vocabulary.question_to_as(shape())
    create = vocabulary.create_to_as(
        "https://coop.example/activities/c", actor=US, obj=question, published=WHEN
    )
    assert create["to"] == question["to"] and create["cc"] == question["cc"]
    assert create["object"]["id"] == question["id"] and "@context" not in create["object"]
    assert create["@context"] == question["@context"]
