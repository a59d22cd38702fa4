"""The inbox's verification policy: is this request signed well enough to act on?

`verify_request` reads an RFC 9421 signature if `Signature-Input` is present (RFC 9421
Appendix A), otherwise a cavage one, and checks, in this order, so that no key is fetched
for a request that fails on its face:

1. the signature parses (MALFORMED);
2. it covers the target (`(request-target)`, or `@method` with `@target-uri`,
   `@request-target` or `@path`) and the host (`host`, `@authority` or `@target-uri`);
3. a POST carries `Digest` or `Content-Digest`, and the signature covers it;
4. a signed time exists (`date` header or `created`), lies within the window on both
   sides of `now`, and `expires` has not passed;
5. every covered digest matches the body;
6. the algorithm is one we know;
7. the key resolves (UNKNOWN_KEY), fits the algorithm, and verifies the signature. On a
   failure the resolver is asked once more with `refresh=True`, so a rotated key is
   followed; the caller rate-limits that refresh (see `RefetchLimiter`).

The result is a `SignatureCheck`, never a bare bool. That the key's owner is the
activity's actor is the caller's to check, with `require_owner`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal, NamedTuple, Protocol, TypeAlias, cast

from federation.httpsig import cavage, rfc9421, sfv
from federation.httpsig.digest import DigestVerdict, check_content_digest, check_digest
from federation.httpsig.errors import HttpSignatureError, UnsupportedAlgorithm
from federation.httpsig.httpdate import parse_http_date
from federation.httpsig.keys import VerificationKey
from federation.httpsig.message import HeaderInput, HttpMessage

__all__ = [
    "DEFAULT_OPTIONS",
    "FailureCode",
    "KeyResolver",
    "ResolvedKey",
    "Scheme",
    "SignatureCheck",
    "VerifyOptions",
    "require_owner",
    "verify_request",
]

Scheme: TypeAlias = Literal["rfc9421", "cavage"]


class FailureCode(StrEnum):
    """Why a request's signature was refused."""

    NO_SIGNATURE = "no_signature"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    BAD_SIGNATURE = "bad_signature"
    DIGEST_MISSING = "digest_missing"
    DIGEST_NOT_SIGNED = "digest_not_signed"
    DIGEST_MISMATCH = "digest_mismatch"
    DATE_MISSING = "date_missing"
    DATE_OUT_OF_WINDOW = "date_out_of_window"
    EXPIRED = "expired"
    TARGET_NOT_COVERED = "target_not_covered"
    HOST_NOT_COVERED = "host_not_covered"
    KEY_OWNER_MISMATCH = "key_owner_mismatch"


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdict on one request's signature.

    `ok` is True exactly when `failure` is None. What could be read before the verdict
    (scheme, key id, covered components) is filled in either way, for logs; `key_owner`
    and `algorithm` are set once a key has been resolved and tried.
    """

    ok: bool
    failure: FailureCode | None
    message: str
    scheme: Scheme | None = None
    key_id: str | None = None
    key_owner: str | None = None
    algorithm: str | None = None
    covered: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """A verification key and the id of the actor that owns it."""

    key: VerificationKey
    owner: str


class KeyResolver(Protocol):
    """Finds the key for a `keyId`; None if there is none.

    With `refresh=True` the caller should bypass its cache and fetch again, if its rate
    limit allows, else answer from the cache. Exceptions propagate out of `verify_request`.
    """

    def __call__(self, key_id: str, *, refresh: bool) -> Awaitable[ResolvedKey | None]: ...


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """Policy knobs: the clock-skew window, and whether a POST must sign its digest."""

    window: timedelta = timedelta(seconds=300)
    require_digest_on_post: bool = True


DEFAULT_OPTIONS: Final = VerifyOptions()

_TARGET_COMPONENTS: Final = frozenset({"@target-uri", "@request-target", "@path"})
# @target-uri contains the authority, so covering it covers the host.
_HOST_COMPONENTS: Final = frozenset({"@authority", "host", "@target-uri"})
_DIGEST_FIELDS: Final = ("content-digest", "digest")


class _Claim(NamedTuple):
    """What a signature claims, in scheme-neutral terms."""

    scheme: Scheme
    key_id: str
    declared_alg: str | None
    covered: tuple[str, ...]
    target_covered: bool
    host_covered: bool
    created: int | None  # only when signed
    expires: float | None
    signed_input: Callable[[], bytes]  # the signature base / signing string
    signature: bytes
    verify: Callable[[bytes, bytes, str | None, VerificationKey], str | None]


class _Refusal(Exception):
    def __init__(self, code: FailureCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _rfc9421_claim(message: HttpMessage) -> _Claim:
    signatures = rfc9421.parse_signatures(message)
    if not signatures:
        raise _Refusal(FailureCode.MALFORMED, "Signature-Input has no signature")
    # Several signatures (e.g. one added by a relay): the first is the sender's.
    first = signatures[0]
    # parse_signatures has checked the types of these parameters.
    params = first.inner.params
    key_id = cast(str | None, params.get("keyid"))
    if not key_id:
        raise _Refusal(FailureCode.MALFORMED, "the signature has no keyid")
    covered: list[str] = []
    plain: set[str] = set()
    for item in first.inner.items:
        if item.params:
            covered.append(sfv.serialize_item(item))
        else:
            name = str(item.value)
            covered.append(name)
            plain.add(name)
    return _Claim(
        scheme="rfc9421",
        key_id=key_id,
        declared_alg=cast(str | None, params.get("alg")),
        covered=tuple(covered),
        target_covered="@method" in plain and not plain.isdisjoint(_TARGET_COMPONENTS),
        host_covered=not plain.isdisjoint(_HOST_COMPONENTS),
        created=cast(int | None, params.get("created")),
        expires=cast(int | None, params.get("expires")),
        signed_input=lambda: rfc9421.signature_base(message, first.inner, first.serialized),
        signature=first.signature,
        verify=rfc9421.verify_base,
    )


def _cavage_claim(message: HttpMessage, parsed: cavage.CavageSignature) -> _Claim:
    covered = parsed.headers
    return _Claim(
        scheme="cavage",
        key_id=parsed.key_id,
        declared_alg=parsed.algorithm,
        covered=covered,
        target_covered="(request-target)" in covered,
        host_covered="host" in covered,
        # An unsigned `created` proves nothing; an unsigned `expires` can only shorten.
        created=parsed.created_time if "(created)" in covered else None,
        expires=parsed.expires_time,
        signed_input=lambda: cavage.signing_string(message, parsed),
        signature=parsed.signature,
        verify=cavage.verify_string,
    )


def _check_digests(
    message: HttpMessage, claim: _Claim, method: str, options: VerifyOptions
) -> list[tuple[str, str]]:
    """Step 3: presence and coverage. Returns the covered digest fields to match."""
    present = [name for name in _DIGEST_FIELDS if message.has_field(name)]
    covered = [name for name in present if name in claim.covered]
    if method == "POST" and options.require_digest_on_post:
        if not present:
            raise _Refusal(FailureCode.DIGEST_MISSING, "a POST must carry a body digest")
        if not covered:
            raise _Refusal(FailureCode.DIGEST_NOT_SIGNED, f"{' and '.join(present)} is not signed")
    result = []
    for name in covered:
        value = message.field(name)
        if value is not None:
            result.append((name, value))
    return result


def _check_times(message: HttpMessage, claim: _Claim, now: float, window: float) -> None:
    """Step 4: a signed time within the window, and not expired."""
    if claim.expires is not None and now > claim.expires:
        raise _Refusal(FailureCode.EXPIRED, f"the signature expired {now - claim.expires:.0f}s ago")
    stamps: list[tuple[str, float]] = []
    if claim.created is not None:
        stamps.append(("created", claim.created))
    if "date" in claim.covered:
        date = message.field("date")
        if date is None:
            raise _Refusal(FailureCode.MALFORMED, "the signed Date header is absent")
        parsed = parse_http_date(date)
        if parsed is None:
            raise _Refusal(FailureCode.MALFORMED, f"unparsable Date header: {date!r}")
        stamps.append(("date", parsed))
    if not stamps:
        raise _Refusal(FailureCode.DATE_MISSING, "neither a Date header nor created is signed")
    for label, stamp in stamps:
        skew = now - stamp
        if abs(skew) > window:
            direction = "old" if skew > 0 else "in the future"
            raise _Refusal(
                FailureCode.DATE_OUT_OF_WINDOW,
                f"{label} is {abs(skew):.0f}s {direction}; the window is {window:.0f}s",
            )


def _match_digests(digests: list[tuple[str, str]], body: bytes) -> None:
    """Step 5: every covered digest matches the body."""
    for name, value in digests:
        check = check_content_digest if name == "content-digest" else check_digest
        verdict = check(value, body)
        if verdict is DigestVerdict.MALFORMED:
            raise _Refusal(FailureCode.MALFORMED, f"unparsable {name}: {value!r}")
        if verdict is not DigestVerdict.MATCH:
            reason = (
                "has no SHA-256 or SHA-512"
                if verdict is DigestVerdict.UNSUPPORTED
                else "does not match the body"
            )
            raise _Refusal(FailureCode.DIGEST_MISMATCH, f"{name} {reason}")


def _check_algorithm_name(claim: _Claim) -> None:
    """Step 6: refuse an algorithm we can never verify, before fetching any key."""
    declared = claim.declared_alg
    if claim.scheme == "cavage":
        cavage.check_algorithm_name(declared)
    elif declared is not None and declared not in rfc9421.KNOWN_ALGORITHMS:
        raise UnsupportedAlgorithm(f"unknown algorithm {declared!r}")


def _try_key(
    claim: _Claim, signed: bytes, resolved: ResolvedKey
) -> str | UnsupportedAlgorithm | None:
    """The algorithm that verified; the reason the key cannot be used; or None if the
    signature is wrong for this key."""
    try:
        return claim.verify(signed, claim.signature, claim.declared_alg, resolved.key)
    except UnsupportedAlgorithm as error:
        return error


async def verify_request(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes,
    *,
    resolve_key: KeyResolver,
    now: datetime,
    options: VerifyOptions = DEFAULT_OPTIONS,
) -> SignatureCheck:
    """Check the HTTP signature of a request against the inbox policy.

    `url` is the absolute URL the sender addressed (the public one, behind a proxy);
    `headers` may be a mapping, a list of (name, value) pairs, or httpx/Starlette headers;
    `now` must be timezone-aware. The resolver is called at most twice (the second time
    with `refresh=True`, after a failed verification). Never raises for a bad request:
    every refusal is a `SignatureCheck` with `ok=False`. Resolver exceptions propagate.
    """
    if now.tzinfo is None:
        raise ValueError("verify_request needs an aware `now`")
    claim: _Claim | None = None
    scheme: Scheme | None = None
    try:
        message = HttpMessage.request(method, url, headers)
        if message.has_field("signature-input"):
            scheme = "rfc9421"
            claim = _rfc9421_claim(message)
        else:
            scheme = "cavage"
            parsed = cavage.find_signature(message)
            if parsed is None:
                return SignatureCheck(False, FailureCode.NO_SIGNATURE, "the request is not signed")
            claim = _cavage_claim(message, parsed)
        if not claim.target_covered:
            raise _Refusal(
                FailureCode.TARGET_NOT_COVERED, "the signature does not cover the method and target"
            )
        if not claim.host_covered:
            raise _Refusal(FailureCode.HOST_NOT_COVERED, "the signature does not cover the host")
        digests = _check_digests(message, claim, method.upper(), options)
        _check_times(message, claim, now.timestamp(), options.window.total_seconds())
        _match_digests(digests, body)
        _check_algorithm_name(claim)
        signed = claim.signed_input()
    except _Refusal as refusal:
        return _refused(claim, refusal.code, refusal.message, scheme=scheme)
    except UnsupportedAlgorithm as error:
        return _refused(claim, FailureCode.UNSUPPORTED_ALGORITHM, str(error), scheme=scheme)
    except HttpSignatureError as error:
        return _refused(claim, FailureCode.MALFORMED, str(error), scheme=scheme)
    return await _verify_with_keys(claim, signed, resolve_key)


async def _verify_with_keys(
    claim: _Claim, signed: bytes, resolve_key: KeyResolver
) -> SignatureCheck:
    """Step 7: resolve, verify, and on failure resolve once more with refresh=True."""
    resolved = await resolve_key(claim.key_id, refresh=False)
    if resolved is None:
        return _refused(claim, FailureCode.UNKNOWN_KEY, f"no key for {claim.key_id!r}")
    outcome = _try_key(claim, signed, resolved)
    if isinstance(outcome, str):
        return _accepted(claim, resolved, outcome)
    refreshed = await resolve_key(claim.key_id, refresh=True)
    if refreshed is None:
        return _refused(claim, FailureCode.UNKNOWN_KEY, f"key {claim.key_id!r} no longer resolves")
    if refreshed.key is not resolved.key:
        # A different key came back (rotated): worth a second verification. The same
        # object (refresh refused by the rate limit) would only repeat the first answer.
        outcome = _try_key(claim, signed, refreshed)
        if isinstance(outcome, str):
            return _accepted(claim, refreshed, outcome)
    if isinstance(outcome, UnsupportedAlgorithm):
        return _refused(
            claim, FailureCode.UNSUPPORTED_ALGORITHM, str(outcome), owner=refreshed.owner
        )
    return _refused(
        claim,
        FailureCode.BAD_SIGNATURE,
        "the signature does not verify with the key",
        owner=refreshed.owner,
    )


def _accepted(claim: _Claim, resolved: ResolvedKey, algorithm: str) -> SignatureCheck:
    return SignatureCheck(
        ok=True,
        failure=None,
        message="signature verified",
        scheme=claim.scheme,
        key_id=claim.key_id,
        key_owner=resolved.owner,
        algorithm=algorithm,
        covered=claim.covered,
    )


def _refused(
    claim: _Claim | None,
    code: FailureCode,
    message: str,
    *,
    owner: str | None = None,
    scheme: Scheme | None = None,
) -> SignatureCheck:
    if claim is None:
        return SignatureCheck(False, code, message, scheme=scheme)
    return SignatureCheck(
        ok=False,
        failure=code,
        message=message,
        scheme=claim.scheme,
        key_id=claim.key_id,
        key_owner=owner,
        covered=claim.covered,
    )


def require_owner(check: SignatureCheck, actor_id: str) -> SignatureCheck:
    """`check` if the key belongs to `actor_id`; otherwise a failed copy of it
    (KEY_OWNER_MISMATCH). A check that already failed is returned unchanged."""
    if not check.ok or check.key_owner == actor_id:
        return check
    return replace(
        check,
        ok=False,
        failure=FailureCode.KEY_OWNER_MISMATCH,
        message=f"the key belongs to {check.key_owner!r}, not to the actor {actor_id!r}",
    )
