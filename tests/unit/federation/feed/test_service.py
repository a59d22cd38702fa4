"""Reading received questions and notes for the partner feed (pure parts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.feed.service import UnusableObject, as_to_feed_object, clean_html

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "mastodon"


def test_as_to_feed_object__reads_a_mastodon_note() -> None:
    create = json.loads((FIXTURES / "create_note.json").read_text("utf-8"))
    item = as_to_feed_object(create["object"])
    assert item.kind == "Note" and item.actor == "https://mastodon.example/users/alice"
    assert "Looking forward to the assembly" in item.content_html
    assert item.published is not None and item.published.tzinfo is not None


def test_as_to_feed_object__reads_a_closed_poll() -> None:
    item = as_to_feed_object(
        {
            "id": "https://p.example/questions/1",
            "type": "Question",
            "attributedTo": "https://p.example/actors/coop",
            "name": "Van?",
            "anyOf": [
                {"type": "Note", "name": "A", "replies": {"type": "Collection", "totalItems": 2}},
                {"type": "Note", "name": "B", "replies": {"totalItems": True}},
                "not an option",
            ],
            "endTime": "2026-11-27T12:00:00Z",
            "closed": "2026-11-27T12:00:00+00:00",
            "votersCount": 2,
        }
    )
    assert item.multiple and item.is_closed and item.voters == 2
    assert [(a.name, a.count) for a in item.answers] == [("A", 2), ("B", 0)]


@pytest.mark.parametrize(
    "document",
    [
        {"id": "https://p.example/a/1", "type": "Article", "attributedTo": "https://p.example/u"},
        {"type": "Note", "attributedTo": "https://p.example/u"},
        {"id": "https://p.example/n/1", "type": "Note"},
        {"id": "javascript:alert(1)", "type": "Note", "attributedTo": "https://p.example/u"},
    ],
)
def test_as_to_feed_object__refuses_what_it_cannot_keep(document: dict[str, object]) -> None:
    with pytest.raises(UnusableObject):
        as_to_feed_object(document)


def test_clean_html__keeps_text_and_safe_links_only() -> None:
    cleaned = clean_html(
        '<p onclick="x()">Hi <a href="javascript:evil()">x</a> '
        '<a href="https://ok.example/" class="u">y</a><script>alert(1)</script><img src=x></p>'
    )
    assert "onclick" not in cleaned and "script" not in cleaned and "<img" not in cleaned
    assert "javascript" not in cleaned
    assert '<a href="https://ok.example/" rel="nofollow noopener">y</a>' in cleaned
