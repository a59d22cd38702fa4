"""The inbox verification policy: happy paths per scheme and algorithm, and each refusal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest

from federation.httpsig import (
    FailureCode,
    PrivateKey,
    RefetchLimiter,
    ResolvedKey,
    SharedSecret,
    SignatureCheck,
    SigningKey,
    VerifyOptions,
    cavage,
    content_digest_header,
    digest_header,
    format_http_date,
    require_owner,
    rfc9421,
    verify_request,
)
from federation.httpsig.message import HttpMessage

from .support import ACTIVITY, ACTOR, INBOX, KEY_ID, NOW, KeyRing, check, signed_request

HOST = "peer.example"


def _base_headers(body: bytes | None, *, at: int = 0) -> list[tuple[str, str]]:
    headers = [("Host", HOST), ("Date", format_http_date(NOW + timedelta(seconds=at)))]
    if body is not None:
        headers += [
            ("Content-Type", "application/activity+json"),
            ("Digest", digest_header(body)),
            ("Content-Digest", content_digest_header(body)),
        ]
    return headers


def _hand_signed_9421(
    key: SigningKey,
    components: Sequence[str],
    *,
    body: bytes | None = ACTIVITY,
    created: int | None = None,
    expires: int | None = None,
    algorithm: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """Headers of a POST to INBOX, RFC 9421-signed over exactly `components`."""
    fields = headers if headers is not None else _base_headers(body)
    message = HttpMessage.request("POST", INBOX, fields)
    signature_input, signature = rfc9421.sign(
        message,
        key,
        KEY_ID,
        components,
        created=int(NOW.timestamp()) if created is None else created,
        expires=expires,
        algorithm=algorithm,
    )
    return [*fields, ("Signature-Input", signature_input), ("Signature", signature)]


def _hand_signed_cavage(
    key: PrivateKey,
    names: Sequence[str],
    *,
    body: bytes | None = ACTIVITY,
    algorithm: str | None = None,
    created: int | None = None,
    expires: int | None = None,
) -> list[tuple[str, str]]:
    fields = _base_headers(body)
    message = HttpMessage.request("POST", INBOX, fields)
    value = cavage.sign(
        message, key, KEY_ID, names, algorithm=algorithm, created=created, expires=expires
    )
    return [*fields, ("Signature", value)]


async def _verify(
    headers: list[tuple[str, str]],
    resolver: KeyRing,
    *,
    body: bytes = ACTIVITY,
    method: str = "POST",
    options: VerifyOptions | None = None,
) -> SignatureCheck:
    return await verify_request(
        method,
        INBOX,
        headers,
        body,
        resolve_key=resolver,
        now=NOW,
        options=options or VerifyOptions(),
    )


def _ring(key: PrivateKey) -> KeyRing:
    return KeyRing().add(KEY_ID, key.public_key)


# --- Happy paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_name", "scheme", "cavage_algorithm", "expected_algorithm"),
    [
        ("ed_key", "rfc9421", None, "ed25519"),
        ("rsa_key", "rfc9421", None, "rsa-v1_5-sha256"),
        ("rsa_key", "cavage", "rsa-sha256", "rsa-v1_5-sha256"),
        ("rsa_key", "cavage", "hs2019", "rsa-v1_5-sha256"),
        ("ed_key", "cavage", "hs2019", "ed25519"),
    ],
)
async def test_verify__signed_post_is_accepted(
    request: pytest.FixtureRequest,
    key_name: str,
    scheme: str,
    cavage_algorithm: str | None,
    expected_algorithm: str,
) -> None:
    key: PrivateKey = request.getfixturevalue(key_name)
    resolver = _ring(key)
    signed = signed_request(
        key,
        scheme="rfc9421" if scheme == "rfc9421" else "cavage",
        cavage_algorithm=cavage_algorithm,
    )
    result = await check(signed, resolver)
    assert result.ok, result.message
    assert result.failure is None
    assert (result.scheme, result.key_id, result.key_owner, result.algorithm) == (
        scheme,
        KEY_ID,
        ACTOR,
        expected_algorithm,
    )
    assert resolver.calls == [(KEY_ID, False)]


@pytest.mark.parametrize("scheme", ["rfc9421", "cavage"])
async def test_verify__signed_get_for_authorized_fetch_is_accepted(
    rsa_key: PrivateKey, scheme: str
) -> None:
    signed = signed_request(
        rsa_key,
        scheme="rfc9421" if scheme == "rfc9421" else "cavage",
        method="GET",
        url="https://peer.example/notes/1?page=2",
    )
    assert "digest" not in signed.headers
    result = await check(signed, _ring(rsa_key))
    assert result.ok, result.message


async def test_verify__rsa_pss_sha512_with_alg_parameter_is_accepted(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_9421(
        rsa_key,
        ["@method", "@target-uri", "@authority", "content-digest"],
        algorithm="rsa-pss-sha512",
    )
    result = await _verify(headers, _ring(rsa_key))
    assert result.ok, result.message
    assert result.algorithm == "rsa-pss-sha512"


async def test_verify__created_alone_is_enough_as_signed_time(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(ed_key, ["@method", "@path", "@authority", "content-digest"])
    result = await _verify(headers, _ring(ed_key))
    assert result.ok, result.message


async def test_verify__rotated_key_is_followed_with_one_refresh(
    rsa_key: PrivateKey, other_rsa_key: PrivateKey
) -> None:
    resolver = KeyRing().add(KEY_ID, other_rsa_key.public_key)
    resolver.rotated[KEY_ID] = ResolvedKey(rsa_key.public_key, ACTOR)
    result = await check(signed_request(rsa_key), resolver)
    assert result.ok, result.message
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_verify__require_owner_keeps_a_check_of_the_actors_own_key(
    ed_key: PrivateKey,
) -> None:
    result = await check(signed_request(ed_key), _ring(ed_key))
    assert require_owner(result, ACTOR) is result


async def test_verify__digest_is_optional_on_post_when_the_policy_says_so(
    ed_key: PrivateKey,
) -> None:
    headers = _hand_signed_9421(
        ed_key, ["@method", "@target-uri", "host", "date"], headers=_base_headers(None)
    )
    relaxed = VerifyOptions(require_digest_on_post=False)
    result = await _verify(headers, _ring(ed_key), body=b"", options=relaxed)
    assert result.ok, result.message


def test_signature_check__is_frozen() -> None:
    result = SignatureCheck(ok=False, failure=FailureCode.MALFORMED, message="x")
    with pytest.raises(FrozenInstanceError):
        result.ok = True  # type: ignore[misc]


# --- Refusals ---------------------------------------------------------------------------


async def test_verify__unsigned_request_is_refused() -> None:
    result = await _verify(_base_headers(ACTIVITY), KeyRing())
    assert result.failure is FailureCode.NO_SIGNATURE
    assert not result.ok


async def test_verify__unknown_key_is_refused_without_a_refresh(ed_key: PrivateKey) -> None:
    resolver = KeyRing()
    result = await check(signed_request(ed_key), resolver)
    assert result.failure is FailureCode.UNKNOWN_KEY
    assert result.key_id == KEY_ID
    assert resolver.calls == [(KEY_ID, False)]


async def test_verify__wrong_key_owner_is_refused(ed_key: PrivateKey) -> None:
    result = await check(signed_request(ed_key), _ring(ed_key))
    refused = require_owner(result, "https://elsewhere.example/actors/mallory")
    assert refused.failure is FailureCode.KEY_OWNER_MISMATCH
    assert not refused.ok
    assert refused.key_owner == ACTOR


async def test_verify__require_owner_leaves_a_failed_check_alone() -> None:
    failed = SignatureCheck(ok=False, failure=FailureCode.BAD_SIGNATURE, message="no")
    assert require_owner(failed, ACTOR) is failed


@pytest.mark.parametrize("scheme", ["rfc9421", "cavage"])
async def test_verify__tampered_body_is_refused(ed_key: PrivateKey, scheme: str) -> None:
    signed = signed_request(ed_key, scheme="rfc9421" if scheme == "rfc9421" else "cavage")
    result = await check(signed, _ring(ed_key), body=ACTIVITY.replace(b"Create", b"Delete"))
    assert result.failure is FailureCode.DIGEST_MISMATCH


async def test_verify__digest_not_signed_is_refused(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(ed_key, ["@method", "@target-uri", "host", "date"])
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.DIGEST_NOT_SIGNED


async def test_verify__cavage_digest_not_signed_is_refused(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_cavage(rsa_key, ["(request-target)", "host", "date"])
    result = await _verify(headers, _ring(rsa_key))
    assert result.failure is FailureCode.DIGEST_NOT_SIGNED


async def test_verify__post_without_any_digest_is_refused(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(
        ed_key, ["@method", "@target-uri", "host", "date"], headers=_base_headers(None)
    )
    result = await _verify(headers, _ring(ed_key), body=b"")
    assert result.failure is FailureCode.DIGEST_MISSING


async def test_verify__digest_with_only_insecure_algorithms_is_refused(
    ed_key: PrivateKey,
) -> None:
    fields = [*_base_headers(None), ("Digest", "MD5=HUXZLQLMuI/KZ5KDcJPcOA==")]
    headers = _hand_signed_9421(
        ed_key, ["@method", "@target-uri", "host", "digest"], headers=fields
    )
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.DIGEST_MISMATCH


async def test_verify__date_outside_the_window_is_refused(ed_key: PrivateKey) -> None:
    # A signer whose clock runs ten minutes fast.
    signed = signed_request(ed_key, at=NOW + timedelta(minutes=10))
    result = await check(signed, _ring(ed_key))
    assert result.failure is FailureCode.DATE_OUT_OF_WINDOW
    assert "future" in result.message


async def test_verify__replayed_request_with_an_old_date_is_refused(ed_key: PrivateKey) -> None:
    signed = signed_request(ed_key)
    first = await check(signed, _ring(ed_key))
    assert first.ok
    replayed = await check(signed, _ring(ed_key), now=NOW + timedelta(minutes=6))
    assert replayed.failure is FailureCode.DATE_OUT_OF_WINDOW
    assert "old" in replayed.message


async def test_verify__cavage_replay_with_an_old_date_is_refused(rsa_key: PrivateKey) -> None:
    signed = signed_request(rsa_key, scheme="cavage")
    result = await check(signed, _ring(rsa_key), now=NOW + timedelta(minutes=6))
    assert result.failure is FailureCode.DATE_OUT_OF_WINDOW


async def test_verify__window_is_configurable(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(
        ed_key, ["@method", "@target-uri", "host", "date", "content-digest"]
    )
    tight = VerifyOptions(window=timedelta(seconds=30))
    result = await verify_request(
        "POST",
        INBOX,
        headers,
        ACTIVITY,
        resolve_key=_ring(ed_key),
        now=NOW + timedelta(seconds=45),
        options=tight,
    )
    assert result.failure is FailureCode.DATE_OUT_OF_WINDOW


async def test_verify__signature_without_a_signed_time_is_refused(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_cavage(rsa_key, ["(request-target)", "host", "digest"])
    result = await _verify(headers, _ring(rsa_key))
    assert result.failure is FailureCode.DATE_MISSING


async def test_verify__expired_signature_is_refused(ed_key: PrivateKey) -> None:
    now = int(NOW.timestamp())
    headers = _hand_signed_9421(
        ed_key,
        ["@method", "@target-uri", "host", "content-digest"],
        created=now - 60,
        expires=now - 1,
    )
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.EXPIRED


async def test_verify__cavage_expired_signature_is_refused(ed_key: PrivateKey) -> None:
    now = int(NOW.timestamp())
    headers = _hand_signed_cavage(
        ed_key,
        ["(request-target)", "(created)", "(expires)", "host", "digest"],
        created=now - 60,
        expires=now - 1,
    )
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.EXPIRED


async def test_verify__unknown_rfc9421_algorithm_is_refused_before_any_key_lookup(
    ed_key: PrivateKey,
) -> None:
    headers = _hand_signed_9421(ed_key, ["@method", "@target-uri", "host", "content-digest"])
    headers = [
        (name, value.replace('alg="ed25519"', 'alg="rsa-sha1"'))
        if name == "Signature-Input"
        else (name, value)
        for name, value in headers
    ]
    resolver = _ring(ed_key)
    result = await _verify(headers, resolver)
    assert result.failure is FailureCode.UNSUPPORTED_ALGORITHM
    assert resolver.calls == []


async def test_verify__cavage_hmac_sha1_is_refused(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_cavage(rsa_key, ["(request-target)", "host", "date", "digest"])
    headers = [(n, v.replace("rsa-sha256", "hmac-sha1")) for n, v in headers]
    result = await _verify(headers, _ring(rsa_key))
    assert result.failure is FailureCode.UNSUPPORTED_ALGORITHM


async def test_verify__algorithm_that_does_not_fit_the_key_is_refused(
    ed_key: PrivateKey, rsa_key: PrivateKey
) -> None:
    # Signed with Ed25519 (alg="ed25519"), but the key id resolves to an RSA key.
    signed = signed_request(ed_key)
    resolver = _ring(rsa_key)
    result = await check(signed, resolver)
    assert result.failure is FailureCode.UNSUPPORTED_ALGORITHM
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_verify__signature_by_another_key_is_refused_after_one_refresh(
    rsa_key: PrivateKey, other_rsa_key: PrivateKey
) -> None:
    resolver = _ring(other_rsa_key)
    result = await check(signed_request(rsa_key), resolver)
    assert result.failure is FailureCode.BAD_SIGNATURE
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_verify__key_gone_on_refresh_is_unknown(
    rsa_key: PrivateKey, other_rsa_key: PrivateKey
) -> None:
    class Vanishing(KeyRing):
        async def __call__(self, key_id: str, *, refresh: bool) -> ResolvedKey | None:
            self.calls.append((key_id, refresh))
            return None if refresh else self.keys.get(key_id)

    resolver = Vanishing().add(KEY_ID, other_rsa_key.public_key)
    result = await check(signed_request(rsa_key), resolver)
    assert result.failure is FailureCode.UNKNOWN_KEY


@pytest.mark.parametrize(
    "headers",
    [
        [("Signature-Input", "sig1=(@method"), ("Signature", "sig1=:AAAA:")],
        [("Signature-Input", 'sig1=("@method");created=1'), ("Signature", "sig1=:AAAA:")],
        [("Signature-Input", 'sig1=("@method");keyid="k"')],
        [("Signature", 'keyId="k",headers="date",signature="not base64!"')],
        [("Signature", 'keyId="k",keyId="k2",signature="AAAA"')],
        [("Signature", "this is not a signature header")],
    ],
    ids=[
        "unparsable-input",
        "no-keyid",
        "input-without-signature",
        "cavage-bad-base64",
        "cavage-repeated-param",
        "cavage-garbage",
    ],
)
async def test_verify__malformed_header_is_refused(headers: list[tuple[str, str]]) -> None:
    resolver = KeyRing()
    result = await _verify([*_base_headers(ACTIVITY), *headers], resolver)
    assert result.failure is FailureCode.MALFORMED
    assert result.scheme == ("rfc9421" if "Signature-Input" in dict(headers) else "cavage")
    assert resolver.calls == []


async def test_verify__covered_header_absent_from_the_request_is_malformed(
    ed_key: PrivateKey,
) -> None:
    fields = [*_base_headers(ACTIVITY), ("X-Extra", "1")]
    headers = _hand_signed_9421(
        ed_key, ["@method", "@target-uri", "host", "content-digest", "x-extra"], headers=fields
    )
    headers = [(n, v) for n, v in headers if n != "X-Extra"]
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.MALFORMED


async def test_verify__target_not_covered_is_refused(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(ed_key, ["@authority", "date", "content-digest"])
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.TARGET_NOT_COVERED


async def test_verify__method_not_covered_is_target_not_covered(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(ed_key, ["@target-uri", "date", "content-digest"])
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.TARGET_NOT_COVERED


async def test_verify__cavage_target_not_covered_is_refused(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_cavage(rsa_key, ["host", "date", "digest"])
    result = await _verify(headers, _ring(rsa_key))
    assert result.failure is FailureCode.TARGET_NOT_COVERED


async def test_verify__host_not_covered_is_refused(ed_key: PrivateKey) -> None:
    headers = _hand_signed_9421(ed_key, ["@method", "@path", "date", "content-digest"])
    result = await _verify(headers, _ring(ed_key))
    assert result.failure is FailureCode.HOST_NOT_COVERED


async def test_verify__cavage_host_not_covered_is_refused(rsa_key: PrivateKey) -> None:
    headers = _hand_signed_cavage(rsa_key, ["(request-target)", "date", "digest"])
    result = await _verify(headers, _ring(rsa_key))
    assert result.failure is FailureCode.HOST_NOT_COVERED


async def test_verify__request_to_another_inbox_is_refused(ed_key: PrivateKey) -> None:
    signed = signed_request(ed_key)
    result = await verify_request(
        "POST",
        "https://peer.example/users/bob/inbox",
        signed.headers,
        signed.content,
        resolve_key=_ring(ed_key),
        now=NOW,
    )
    assert result.failure is FailureCode.BAD_SIGNATURE


async def test_verify__naive_now_is_a_programming_error(ed_key: PrivateKey) -> None:
    with pytest.raises(ValueError, match="aware"):
        await verify_request(
            "POST", INBOX, [], b"", resolve_key=_ring(ed_key), now=NOW.replace(tzinfo=None)
        )


async def test_verify__rate_limited_refresh_answers_from_cache_without_verifying_twice() -> None:
    # The intended resolver shape: a cache, and a RefetchLimiter guarding refreshes.
    class CountingSecret(SharedSecret):
        verifications = 0

        def verify(self, algorithm: str, message: bytes, signature: bytes) -> bool:
            CountingSecret.verifications += 1
            return super().verify(algorithm, message, signature)

    cached = ResolvedKey(CountingSecret(b"the key we know"), ACTOR)
    limiter = RefetchLimiter(timedelta(seconds=60))
    assert limiter.allow(RefetchLimiter.host_of(KEY_ID), NOW)  # refreshed a moment ago
    fetches: list[str] = []

    async def resolver(key_id: str, *, refresh: bool) -> ResolvedKey | None:
        if refresh and limiter.allow(RefetchLimiter.host_of(key_id), NOW):
            fetches.append(key_id)  # a real resolver would fetch the actor here
        return cached

    headers = _hand_signed_9421(
        SharedSecret(b"another key"),
        ["@method", "@target-uri", "host", "date", "content-digest"],
    )
    result = await verify_request("POST", INBOX, headers, ACTIVITY, resolve_key=resolver, now=NOW)
    assert result.failure is FailureCode.BAD_SIGNATURE
    assert fetches == []
    assert CountingSecret.verifications == 1
