"""Outgoing signatures: `SigningAuth`, `SchemePreferences` and double-knocking."""

from __future__ import annotations

from collections.abc import Callable, Coroutine

import httpx
import pytest

from federation.httpsig import (
    DoubleKnockAuth,
    PrivateKey,
    Scheme,
    SchemePreferences,
    SigningAuth,
    check_content_digest,
    check_digest,
    parse_http_date,
    verify_request,
)
from federation.httpsig.digest import DigestVerdict

from .support import ACTIVITY, INBOX, KEY_ID, NOW, KeyRing

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def _scheme_of(request: httpx.Request) -> Scheme:
    return "rfc9421" if "signature-input" in request.headers else "cavage"


def _peer(key: PrivateKey, accepts: set[Scheme], seen: list[Scheme]) -> Handler:
    """An inbox that verifies signatures for real, but only in the schemes it `accepts`."""
    resolver = KeyRing().add(KEY_ID, key.public_key)

    async def inbox(request: httpx.Request) -> httpx.Response:
        scheme = _scheme_of(request)
        seen.append(scheme)
        if scheme not in accepts:
            return httpx.Response(401)
        result = await verify_request(
            request.method,
            str(request.url),
            request.headers,
            request.content,
            resolve_key=resolver,
            now=NOW,
        )
        return httpx.Response(202 if result.ok else 401, text=result.message)

    return inbox


def _client(handler: Handler, auth: httpx.Auth) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth)


@pytest.mark.parametrize("scheme", ["rfc9421", "cavage"])
def test_signing_auth__sets_date_host_digests_and_signature(
    ed_key: PrivateKey, scheme: Scheme
) -> None:
    auth = SigningAuth(ed_key, KEY_ID, scheme=scheme, clock=lambda: NOW)
    request = httpx.Request("POST", INBOX, content=ACTIVITY)
    signed = next(auth.sync_auth_flow(request))
    headers = signed.headers
    assert parse_http_date(headers["date"]) == int(NOW.timestamp())
    assert headers["host"] == "peer.example"
    assert check_digest(headers["digest"], ACTIVITY) is DigestVerdict.MATCH
    assert check_content_digest(headers["content-digest"], ACTIVITY) is DigestVerdict.MATCH
    if scheme == "rfc9421":
        assert headers["signature-input"].startswith(
            'sig1=("@method" "@target-uri" "host" "date" "content-digest");created='
        )
        assert headers["signature"].startswith("sig1=:")
    else:
        assert "signature-input" not in headers
        assert 'headers="(request-target) host date digest"' in headers["signature"]
        assert 'algorithm="hs2019"' in headers["signature"]


def test_signing_auth__get_is_signed_without_digest(rsa_key: PrivateKey) -> None:
    auth = SigningAuth(rsa_key, KEY_ID, scheme="cavage", clock=lambda: NOW)
    signed = next(auth.sync_auth_flow(httpx.Request("GET", "https://peer.example/notes/1")))
    assert "digest" not in signed.headers
    assert 'algorithm="rsa-sha256"' in signed.headers["signature"]
    assert 'headers="(request-target) host date"' in signed.headers["signature"]


def test_signing_auth__works_in_a_sync_client(ed_key: PrivateKey) -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(202)

    auth = SigningAuth(ed_key, KEY_ID, clock=lambda: NOW)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        assert client.post(INBOX, content=ACTIVITY).status_code == 202
    assert "signature-input" in captured[0].headers


async def test_signing_auth__output_passes_our_own_inbox_policy(ed_key: PrivateKey) -> None:
    seen: list[Scheme] = []
    auth = SigningAuth(ed_key, KEY_ID, clock=lambda: NOW)
    async with _client(_peer(ed_key, {"rfc9421"}, seen), auth) as client:
        response = await client.post(INBOX, content=ACTIVITY)
    assert response.status_code == 202, response.text


async def test_double_knock__host_rejecting_rfc9421_gets_cavage_and_is_remembered(
    ed_key: PrivateKey,
) -> None:
    seen: list[Scheme] = []
    persisted: dict[str, Scheme] = {}
    preferences = SchemePreferences(on_change=persisted.__setitem__)
    auth = DoubleKnockAuth(ed_key, KEY_ID, preferences, clock=lambda: NOW)
    async with _client(_peer(ed_key, {"cavage"}, seen), auth) as client:
        first = await client.post(INBOX, content=ACTIVITY)
        assert first.status_code == 202, first.text
        assert seen == ["rfc9421", "cavage"]
        second = await client.post(INBOX, content=ACTIVITY)
    assert second.status_code == 202, second.text
    # The second request to the same host went straight to cavage.
    assert seen == ["rfc9421", "cavage", "cavage"]
    assert persisted == {"peer.example": "cavage"}
    assert preferences.get("PEER.example") == "cavage"


async def test_double_knock__host_accepting_rfc9421_is_asked_once(ed_key: PrivateKey) -> None:
    seen: list[Scheme] = []
    preferences = SchemePreferences()
    auth = DoubleKnockAuth(ed_key, KEY_ID, preferences, clock=lambda: NOW)
    async with _client(_peer(ed_key, {"rfc9421", "cavage"}, seen), auth) as client:
        await client.post(INBOX, content=ACTIVITY)
        await client.post(INBOX, content=ACTIVITY)
    assert seen == ["rfc9421", "rfc9421"]
    assert preferences.snapshot() == {"peer.example": "rfc9421"}


async def test_double_knock__remembered_scheme_that_stops_working_is_relearnt(
    ed_key: PrivateKey,
) -> None:
    seen: list[Scheme] = []
    preferences = SchemePreferences(initial={"peer.example": "cavage"})
    auth = DoubleKnockAuth(ed_key, KEY_ID, preferences, clock=lambda: NOW)
    async with _client(_peer(ed_key, {"rfc9421"}, seen), auth) as client:
        response = await client.post(INBOX, content=ACTIVITY)
    assert response.status_code == 202
    assert seen == ["cavage", "rfc9421"]
    assert preferences.get("peer.example") == "rfc9421"


async def test_double_knock__host_refusing_both_is_not_remembered(ed_key: PrivateKey) -> None:
    seen: list[Scheme] = []
    preferences = SchemePreferences()
    auth = DoubleKnockAuth(ed_key, KEY_ID, preferences, clock=lambda: NOW)
    async with _client(_peer(ed_key, set(), seen), auth) as client:
        response = await client.post(INBOX, content=ACTIVITY)
    assert response.status_code == 401
    assert seen == ["rfc9421", "cavage"]
    assert preferences.snapshot() == {}


@pytest.mark.parametrize("status", [403, 404, 500])
async def test_double_knock__other_failures_are_not_retried(
    ed_key: PrivateKey, status: int
) -> None:
    seen: list[Scheme] = []

    async def failing(request: httpx.Request) -> httpx.Response:
        seen.append(_scheme_of(request))
        return httpx.Response(status)

    preferences = SchemePreferences()
    auth = DoubleKnockAuth(ed_key, KEY_ID, preferences, clock=lambda: NOW)
    async with _client(failing, auth) as client:
        response = await client.post(INBOX, content=ACTIVITY)
    assert response.status_code == status
    assert seen == ["rfc9421"]
    assert preferences.snapshot() == {}


async def test_double_knock__retry_carries_only_the_cavage_signature(ed_key: PrivateKey) -> None:
    # Snapshots: httpx sends the same Request object again, re-signed.
    sent: list[tuple[httpx.Headers, bytes]] = []

    async def recorder(request: httpx.Request) -> httpx.Response:
        sent.append((request.headers.copy(), request.content))
        return httpx.Response(401 if len(sent) == 1 else 202)

    auth = DoubleKnockAuth(ed_key, KEY_ID, SchemePreferences(), clock=lambda: NOW)
    async with _client(recorder, auth) as client:
        await client.post(INBOX, content=ACTIVITY)
    (first, _), (retried, body) = sent
    assert "signature-input" in first
    assert "signature-input" not in retried
    assert retried["signature"].startswith('keyId="')
    assert body == ACTIVITY
