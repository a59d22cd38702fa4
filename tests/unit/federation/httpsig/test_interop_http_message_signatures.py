"""Interoperability with an independent RFC 9421 implementation (PyPI
`http-message-signatures`): it verifies what we sign, and we verify what it signs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

from federation.httpsig import FailureCode, PrivateKey, SigningAuth, verify_request

from .support import ACTIVITY, INBOX, KEY_ID, KeyRing

_ALGORITHM_CLASSES = {"ed25519": algorithms.ED25519, "rsa": algorithms.RSA_V1_5_SHA256}


@dataclass
class _Message:
    """The message interface `http-message-signatures` reads (method, url, headers)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def _their_verifier(key: PrivateKey) -> HTTPMessageVerifier:
    return HTTPMessageVerifier(
        signature_algorithm=_ALGORITHM_CLASSES[key.kind],
        key_resolver=MappingKeyResolver(public_keys={KEY_ID: key.public_key.raw}, private_keys={}),
    )


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_interop__their_verifier_accepts_our_signing_auth(
    request: pytest.FixtureRequest, key_name: str, method: str
) -> None:
    key: PrivateKey = request.getfixturevalue(key_name)
    # Their verifier checks `created` against the real clock.
    auth = SigningAuth(key, KEY_ID, clock=lambda: datetime.now(UTC))
    body = ACTIVITY if method == "POST" else b""
    outgoing = httpx.Request(method, INBOX, content=body or None)
    signed = next(auth.sync_auth_flow(outgoing))
    message = _Message(signed.method, str(signed.url), dict(signed.headers.items()))
    required = ["@method", "@target-uri", "host", "date"]
    results = _their_verifier(key).verify(
        message,
        require_components=required + (["content-digest"] if body else []),
        body=body if body else None,
    )
    [result] = results
    assert result.parameters["keyid"] == KEY_ID
    assert result.parameters["alg"] == ("ed25519" if key.kind == "ed25519" else "rsa-v1_5-sha256")
    if body:
        assert result.body == body


def test_interop__their_verifier_rejects_our_signature_over_a_tampered_body(
    ed_key: PrivateKey,
) -> None:
    auth = SigningAuth(ed_key, KEY_ID, clock=lambda: datetime.now(UTC))
    signed = next(auth.sync_auth_flow(httpx.Request("POST", INBOX, content=ACTIVITY)))
    message = _Message(signed.method, str(signed.url), dict(signed.headers.items()))
    with pytest.raises(Exception, match=r"(?i)digest"):
        _their_verifier(ed_key).verify(message, body=ACTIVITY + b" ")


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
async def test_interop__we_accept_their_signatures(
    request: pytest.FixtureRequest, key_name: str
) -> None:
    key: PrivateKey = request.getfixturevalue(key_name)
    now = datetime.now(UTC)
    message = _Message("POST", INBOX, {"Host": "peer.example", "Content-Type": "application/json"})
    signer = HTTPMessageSigner(
        signature_algorithm=_ALGORITHM_CLASSES[key.kind],
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key.raw}),
    )
    signer.sign(
        message,
        key_id=KEY_ID,
        created=now,
        covered_component_ids=("@method", "@authority", "@target-uri"),
        body=ACTIVITY,  # adds and covers Content-Digest
    )
    assert "content-digest" in message.headers["Signature-Input"]
    resolver = KeyRing().add(KEY_ID, key.public_key)
    result = await verify_request(
        message.method, message.url, message.headers, ACTIVITY, resolve_key=resolver, now=now
    )
    assert result.ok, result.message
    assert result.scheme == "rfc9421"

    replayed = await verify_request(
        message.method,
        message.url,
        message.headers,
        ACTIVITY,
        resolve_key=resolver,
        now=now + timedelta(minutes=10),
    )
    assert replayed.failure is FailureCode.DATE_OUT_OF_WINDOW
