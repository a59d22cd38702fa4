"""Reading what an admin types to follow a co-op."""

from __future__ import annotations

import pytest

from federation.finger import _self_link, parse_handle


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@coop@Partner.Example", ("coop", "partner.example")),
        ("coop@partner.example", ("coop", "partner.example")),
        ("acct:coop@partner.example", ("coop", "partner.example")),
        ("  @coop@127.0.0.1:8443 ", ("coop", "127.0.0.1:8443")),
    ],
)
def test_parse_handle__accepts_the_usual_spellings(text: str, expected: tuple[str, str]) -> None:
    assert parse_handle(text) == expected


@pytest.mark.parametrize(
    "text", ["coop", "@coop", "coop@", "https://partner.example/actors/coop", "a@b@c", "co op@x"]
)
def test_parse_handle__refuses_anything_else(text: str) -> None:
    assert parse_handle(text) is None


def test_self_link__is_the_activitypub_actor() -> None:
    document = {
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "x"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://p.example/actors/coop",
            },
        ]
    }
    assert _self_link(document) == "https://p.example/actors/coop"
    assert _self_link({"links": [{"rel": "self", "type": "text/html", "href": "x"}]}) is None
