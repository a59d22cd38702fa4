"""The inbox's incoming-request check: each refusal, its status, and the order of the checks
(cheapest first: nothing is read, parsed or fetched for a request refused earlier)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from federation.httpsig import PrivateKey, ResolvedKey, sign_httpx_request
from federation.inbound import (
    InboundCheck,
    InboundOptions,
    InboundResult,
    InvalidActivity,
    as_to_inbound_activity,
    claimed_key_id,
    is_activity_content_type,
    read_limited,
)
from federation.models import FederationMode
from federation.net import BlockedHost
from federation.policy import FederationPolicy, PolicySnapshot
from federation.remote import KeyUnavailable

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PEER = "https://mastodon.example"
ACTOR = f"{PEER}/users/alice"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://coop.example/inbox"
KEY = PrivateKey.generate_rsa()


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return document


# --- pieces --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("application/activity+json", True),
        ("application/activity+json; charset=utf-8", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("Application/LD+JSON;profile=\"https://www.w3.org/ns/activitystreams\"", True),
        ('application/ld+json; profile="https://example.org/x https://www.w3.org/ns/activitystreams"',
         True),
        ("application/ld+json", False),
        ('application/ld+json; profile="https://example.org/other"', False),
        ("application/json", False),
        ("text/html", False),
        ("", False),
        (None, False),
    ],
)
def test_is_activity_content_type(value: str | None, ok: bool) -> None:
    assert is_activity_content_type(value) is ok


def test_claimed_key_id__reads_both_schemes_without_parsing() -> None:
    assert claimed_key_id({"signature": f'keyId="{KEY_ID}",algorithm="rsa-sha256"'}) == KEY_ID
    assert claimed_key_id(
        {"signature-input": f'sig1=("@method");keyid="{KEY_ID}";created=1', "signature": "x"}
    ) == KEY_ID
    assert claimed_key_id({"authorization": f'Signature keyId="{KEY_ID}",signature="x"'}) == KEY_ID
    assert claimed_key_id({"content-type": "application/activity+json"}) is None


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_read_limited__stops_past_the_limit() -> None:
    assert await read_limited(chunks(b"ab", b"cd"), 4) == b"abcd"
    assert await read_limited(chunks(b"ab", b"cde"), 4) is None


def test_mastodon_follow__parses() -> None:
    activity = as_to_inbound_activity(fixture("follow"))
    assert activity.type == "Follow"
    assert activity.actor == ACTOR
    assert activity.id.startswith(PEER + "/")
    assert activity.object_id == "https://coop.example/actors/coop"


def test_mastodon_create_note__parses() -> None:
    activity = as_to_inbound_activity(fixture("create_note"))
    assert activity.type == "Create"
    assert activity.actor == ACTOR
    assert activity.id == f"{ACTOR}/statuses/113456789012345678/activity"
    assert activity.object_id == f"{ACTOR}/statuses/113456789012345678"


def test_an_actor_given_as_an_object__is_read_by_its_id() -> None:
    document = {**fixture("follow"), "actor": {"id": ACTOR, "type": "Person"}}
    assert as_to_inbound_activity(document).actor == ACTOR


@pytest.mark.parametrize(
    "change",
    [{"id": None}, {"id": "urn:uuid:1"}, {"type": None}, {"type": 3}, {"actor": None},
     {"actor": "alice"}, {"id": {"id": "https://x.example/1"}}],
)
def test_an_activity_without_id_type_or_actor__is_invalid(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidActivity):
        as_to_inbound_activity({**fixture("follow"), **change})


# --- the check -----------------------------------------------------------------------------


class Keys:
    """A key source double: one key, or a KeyUnavailable; counts the lookups."""

    def __init__(self, *, owner: str = ACTOR, error: KeyUnavailable | None = None) -> None:
        self.owner = owner
        self.error = error
        self.calls = 0

    async def resolve_key(self, key_id: str, *, refresh: bool) -> ResolvedKey | None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return ResolvedKey(KEY.public_key, self.owner)


def policy(
    *, blocked: tuple[str, ...] = (), mode: FederationMode = FederationMode.OPEN,
    allowed: tuple[str, ...] = (),
) -> FederationPolicy:
    result = FederationPolicy()
    result._snapshot = PolicySnapshot(mode, False, frozenset(blocked), frozenset(allowed), None)
    result._stale = False
    return result


class Body:
    """A body stream that records whether it was read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.read = True
        yield self.data


def signed(
    activity: dict[str, Any] | bytes | None = None,
    *,
    at: datetime = NOW,
    url: str = INBOX,
    content_type: str = "application/activity+json",
    scheme: str = "cavage",
) -> httpx.Request:
    body = activity if isinstance(activity, bytes) else json.dumps(
        activity if activity is not None else fixture("follow")
    ).encode()
    request = httpx.Request("POST", url, content=body, headers={"Content-Type": content_type})
    sign_httpx_request(request, KEY, KEY_ID, scheme=scheme, now=at)  # type: ignore[arg-type]
    return request


async def run(
    request: httpx.Request,
    *,
    keys: Keys | None = None,
    rules: FederationPolicy | None = None,
    options: InboundOptions | None = None,
    body: Body | None = None,
    headers: list[tuple[str, str]] | None = None,
    now: datetime = NOW,
) -> tuple[InboundResult, Body]:
    stream = body or Body(request.content)
    check = InboundCheck(policy=rules or policy(), remote=keys or Keys(), options=options)
    result = await check.check(
        url=INBOX,
        authority="coop.example",
        headers=headers if headers is not None else list(request.headers.multi_items()),
        body=stream,
        now=now,
    )
    return result, stream


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_a_signed_mastodon_follow__is_accepted(scheme: str) -> None:
    result, _ = await run(signed(scheme=scheme))
    assert result.status == 202, result.message
    assert result.accepted
    assert result.activity is not None and result.activity.type == "Follow"
    assert result.payload == fixture("follow")
    assert result.signature is not None and result.signature.key_owner == ACTOR


async def test_a_blocked_key_host__is_refused_before_anything_is_read() -> None:
    keys = Keys()
    oversized = Body(b"x" * 10)
    request = signed(content_type="text/plain")
    result, body = await run(
        request, keys=keys, rules=policy(blocked=("mastodon.example",)),
        options=InboundOptions(max_bytes=5), body=oversized,
    )
    assert (result.status, result.code) == (403, "blocked_host")
    assert not body.read and keys.calls == 0


async def test_a_host_not_allowed_in_allowlist_mode__is_refused() -> None:
    result, body = await run(signed(), rules=policy(mode=FederationMode.ALLOWLIST))
    assert (result.status, result.code) == (403, "blocked_host")
    assert not body.read
    result, _ = await run(
        signed(), rules=policy(mode=FederationMode.ALLOWLIST, allowed=("mastodon.example",))
    )
    assert result.status == 202


async def test_a_blocked_actor_host__is_refused_even_with_a_key_elsewhere() -> None:
    activity = {**fixture("follow"), "actor": "https://blocked.example/users/x",
                "id": "https://blocked.example/1"}
    keys = Keys()
    result, _ = await run(signed(activity), keys=keys, rules=policy(blocked=("blocked.example",)))
    assert (result.status, result.code) == (403, "blocked_host")
    assert keys.calls == 0


async def test_a_declared_size_over_the_limit__is_413_before_reading() -> None:
    request = signed()
    result, body = await run(request, options=InboundOptions(max_bytes=len(request.content) - 1))
    assert (result.status, result.code) == (413, "body_too_large")
    assert not body.read


async def test_a_body_growing_past_the_limit__is_413() -> None:
    request = signed()
    headers = [(n, v) for n, v in request.headers.multi_items() if n.lower() != "content-length"]
    result, body = await run(
        request, options=InboundOptions(max_bytes=len(request.content) - 1), headers=headers
    )
    assert (result.status, result.code) == (413, "body_too_large")
    assert body.read


async def test_a_wrong_content_type__is_415_before_reading() -> None:
    result, body = await run(signed(content_type="application/json"))
    assert (result.status, result.code) == (415, "unsupported_media_type")
    assert not body.read


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"id": NaN}', b"\xff\xfe"], ids=repr
)
async def test_a_body_that_is_not_a_json_object__is_400(body: bytes) -> None:
    keys = Keys()
    result, _ = await run(signed(body), keys=keys)
    assert (result.status, result.code) == (400, "invalid_json")
    assert keys.calls == 0


async def test_an_activity_without_actor__is_400() -> None:
    activity = {k: v for k, v in fixture("follow").items() if k != "actor"}
    result, _ = await run(signed(activity))
    assert (result.status, result.code) == (400, "invalid_activity")


async def test_an_unsigned_request__is_401() -> None:
    request = httpx.Request("POST", INBOX, content=json.dumps(fixture("follow")).encode(),
                            headers={"Content-Type": "application/activity+json"})
    result, _ = await run(request)
    assert (result.status, result.code) == (401, "no_signature")


async def test_a_request_signed_for_another_server__is_401() -> None:
    request = signed(url="https://other.example/inbox")
    result, _ = await run(request)  # arrives here, with its signed Host: other.example
    assert (result.status, result.code) == (401, "bad_signature")


async def test_an_old_date__is_401() -> None:
    result, _ = await run(signed(at=NOW - timedelta(seconds=301)))
    assert (result.status, result.code) == (401, "date_out_of_window")
    result, _ = await run(
        signed(at=NOW - timedelta(seconds=301)),
        options=InboundOptions(window=timedelta(seconds=600)),
    )
    assert result.status == 202


async def test_an_unavailable_key__is_401_with_the_reason() -> None:
    result, _ = await run(signed(), keys=Keys(error=KeyUnavailable("fetching it failed: 404")))
    assert (result.status, result.code) == (401, "unknown_key")
    assert "fetching it failed: 404" in result.message


async def test_a_key_behind_a_blocked_redirect__is_403() -> None:
    error = KeyUnavailable("blocked", cause=BlockedHost("blocked", host="evil.example"))
    result, _ = await run(signed(), keys=Keys(error=error))
    assert (result.status, result.code) == (403, "blocked_host")


async def test_a_key_of_another_actor__is_401() -> None:
    result, _ = await run(signed(), keys=Keys(owner=f"{PEER}/users/mallory"))
    assert (result.status, result.code) == (401, "key_owner_mismatch")


async def test_an_activity_id_on_another_host__is_403() -> None:
    activity = {**fixture("follow"), "id": "https://victim.example/activities/1"}
    result, _ = await run(signed(activity))
    assert (result.status, result.code) == (403, "foreign_activity_id")
