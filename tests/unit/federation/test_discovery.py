"""WebFinger resources and documents, NodeInfo 2.1 and host-meta, as pure functions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest

from federation.actor import LocalUrls
from federation.discovery import (
    NODEINFO_21_REL,
    PROFILE_PAGE_REL,
    BadResource,
    ForeignResource,
    Usage,
    host_meta_json,
    host_meta_xml,
    nodeinfo_document,
    nodeinfo_links,
    parse_resource,
    user_agent,
    webfinger_document,
)

URLS = LocalUrls.of("https://coop.example")
PORTED = LocalUrls.of("http://127.0.0.1:8123")

# The constraints of the NodeInfo 2.1 JSON schema
# (http://nodeinfo.diaspora.software/ns/schema/2.1, schemas/2.1/schema.json in jhass/nodeinfo)
# that our document touches.
NODEINFO_21_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "version",
        "software",
        "protocols",
        "services",
        "openRegistrations",
        "usage",
        "metadata",
    ],
    "properties": {
        "version": {"enum": ["2.1"]},
        "software": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "version"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                "version": {"type": "string"},
                "repository": {"type": "string"},
                "homepage": {"type": "string"},
            },
        },
        "protocols": {"type": "array", "minItems": 1, "items": {"enum": ["activitypub"]}},
        "services": {
            "type": "object",
            "additionalProperties": False,
            "required": ["inbound", "outbound"],
            "properties": {
                "inbound": {"type": "array", "maxItems": 0},
                "outbound": {"type": "array", "maxItems": 0},
            },
        },
        "openRegistrations": {"type": "boolean"},
        "usage": {
            "type": "object",
            "additionalProperties": False,
            "required": ["users"],
            "properties": {
                "users": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        name: {"type": "integer", "minimum": 0}
                        for name in ("total", "activeHalfyear", "activeMonth")
                    },
                },
                "localPosts": {"type": "integer", "minimum": 0},
                "localComments": {"type": "integer", "minimum": 0},
            },
        },
        "metadata": {"type": "object"},
    },
}


# --- WebFinger resources ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "name"),
    [
        ("acct:coop@coop.example", "coop"),
        ("acct:Coop@COOP.example", "coop"),
        ("ACCT:bea@coop.example", "bea"),
        ("acct:b%65a@coop.example", "bea"),  # RFC 7565: the user part may be percent-encoded
        ("bea@coop.example", "bea"),  # without the scheme, as some servers send it
        ("@bea@coop.example", "bea"),
        ("https://coop.example/actors/bea", "bea"),
        ("https://coop.example/actors/coop#main-key", "coop"),
        (" acct:coop@coop.example ", "coop"),
    ],
)
def test_parse_resource__finds_the_local_name(resource: str, name: str) -> None:
    assert parse_resource(resource, URLS) == name


def test_parse_resource__compares_the_port_too() -> None:
    assert parse_resource("acct:coop@127.0.0.1:8123", PORTED) == "coop"
    with pytest.raises(ForeignResource):
        parse_resource("acct:coop@127.0.0.1:9999", PORTED)
    with pytest.raises(ForeignResource):
        parse_resource("acct:coop@127.0.0.1", PORTED)


@pytest.mark.parametrize(
    "resource",
    [
        None,
        "",
        "   ",
        "acct:",
        "acct:@coop.example",
        "acct:coop@",
        "acct:coop",
        "acct:a@b@coop.example",
        "mailto:coop@coop.example",
        "coop",
        "acct:co op@coop.example",
        "acct:" + "a" * 600 + "@coop.example",
        "https://[::1/actors/coop",
    ],
)
def test_parse_resource__refuses_malformed_resources(resource: str | None) -> None:
    with pytest.raises(BadResource):
        parse_resource(resource, URLS)


@pytest.mark.parametrize(
    "resource",
    [
        "acct:coop@other.example",
        "https://other.example/actors/coop",
        "https://coop.example/members",
        "https://coop.example/actors/coop/inbox",
        "https://coop.example/actors/coop?x=1",
    ],
)
def test_parse_resource__refuses_what_is_not_ours(resource: str) -> None:
    with pytest.raises(ForeignResource):
        parse_resource(resource, URLS)


# --- documents --------------------------------------------------------------------------------


def test_webfinger_document__links_the_actor_and_its_profile() -> None:
    doc = webfinger_document("coop", URLS)
    assert doc == {
        "subject": "acct:coop@coop.example",
        "aliases": ["https://coop.example/actors/coop"],
        "links": [
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": "https://coop.example/actors/coop",
            },
            {
                "rel": PROFILE_PAGE_REL,
                "type": "text/html",
                "href": "https://coop.example/actors/coop",
            },
        ],
    }


def test_webfinger_document__keeps_only_the_rels_asked_for() -> None:
    assert [link["rel"] for link in webfinger_document("coop", URLS, ["self"])["links"]] == ["self"]
    assert webfinger_document("coop", URLS, ["http://example/unknown"])["links"] == []


def test_host_meta__points_at_webfinger_as_xrd() -> None:
    root = ET.fromstring(host_meta_xml(URLS))
    ns = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
    assert root.tag == f"{ns}XRD"
    (link,) = root.findall(f"{ns}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "https://coop.example/.well-known/webfinger?resource={uri}"


def test_host_meta__escapes_the_base_url() -> None:
    odd = LocalUrls.of('https://coop.example/a"b&c')
    root = ET.fromstring(host_meta_xml(odd))
    template = root[0].get("template")
    assert template is not None and template.startswith('https://coop.example/a"b&c/')


def test_host_meta_json__has_the_same_template() -> None:
    (link,) = host_meta_json(URLS)["links"]
    assert link["rel"] == "lrdd"
    assert link["template"] == "https://coop.example/.well-known/webfinger?resource={uri}"


def test_nodeinfo_links__point_at_the_2_1_document() -> None:
    assert nodeinfo_links(URLS) == {
        "links": [{"rel": NODEINFO_21_REL, "href": "https://coop.example/nodeinfo/2.1"}]
    }


def test_nodeinfo_document__follows_the_2_1_schema() -> None:
    doc = nodeinfo_document(
        version="0.1.0",
        usage=Usage(users_total=5, users_active_month=2, users_active_halfyear=4, local_posts=3),
        node_name="Tech Co-op",
        node_description="We build software.",
    )
    jsonschema.Draft4Validator(NODEINFO_21_SCHEMA).validate(doc)
    assert doc["software"] == {"name": "coopfed", "version": "0.1.0"}
    assert doc["protocols"] == ["activitypub"]
    assert doc["openRegistrations"] is False
    assert doc["usage"] == {
        "users": {"total": 5, "activeMonth": 2, "activeHalfyear": 4},
        "localPosts": 3,
    }
    assert doc["metadata"]["nodeName"] == "Tech Co-op"


def test_user_agent__names_the_software_and_the_instance() -> None:
    agent = user_agent("https://coop.example/", "0.1.0")
    assert agent == "coopfed/0.1.0 (+https://coop.example/)"
    assert re.fullmatch(r"[\x21-\x7e ]+", agent)
