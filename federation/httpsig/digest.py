"""Body digests: `Digest` (RFC 3230) and `Content-Digest` (RFC 9530).

A signature covers the digest header, and the digest binds the body: both are needed for
a signed POST to mean anything. Only SHA-256 and SHA-512 count; the older algorithms that
RFC 9530 section 5 marks insecure (MD5, SHA-1, checksums) are ignored, so a header that
offers nothing else is `UNSUPPORTED` rather than a match.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Final, Protocol

from federation.httpsig import sfv
from federation.httpsig.errors import StructuredFieldError

__all__ = [
    "DigestVerdict",
    "check_content_digest",
    "check_digest",
    "content_digest_header",
    "digest_header",
]


class _HashObject(Protocol):
    def digest(self) -> bytes: ...


_HASHES: Final[dict[str, Callable[[bytes], _HashObject]]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}
# RFC 3230 and its IANA registry spell these in upper case; RFC 9530 in lower case.
_LEGACY_NAMES: Final = {"sha-256": "SHA-256", "sha-512": "SHA-512"}


class DigestVerdict(StrEnum):
    """The outcome of comparing a digest header with a body."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNSUPPORTED = "unsupported"
    MALFORMED = "malformed"


def _hash(algorithm: str, body: bytes) -> bytes:
    return _HASHES[algorithm](body).digest()


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """The RFC 3230 `Digest` value for `body`, e.g. `SHA-256=X48E9q...=`."""
    if algorithm not in _HASHES:
        raise ValueError(f"unsupported digest algorithm: {algorithm!r}")
    return f"{_LEGACY_NAMES[algorithm]}={_b64(_hash(algorithm, body))}"


def content_digest_header(body: bytes, algorithms: Iterable[str] = ("sha-256",)) -> str:
    """The RFC 9530 `Content-Digest` value for `body`, e.g. `sha-256=:X48E9q...=:`."""
    members: sfv.Dictionary = {}
    for algorithm in algorithms:
        if algorithm not in _HASHES:
            raise ValueError(f"unsupported digest algorithm: {algorithm!r}")
        members[algorithm] = sfv.Item(_hash(algorithm, body), {})
    if not members:
        raise ValueError("at least one digest algorithm is needed")
    return sfv.serialize_dictionary(members)


def _verdict(claims: list[tuple[str, bytes]], body: bytes) -> DigestVerdict:
    checked = False
    for algorithm, claimed in claims:
        if algorithm not in _HASHES:
            continue
        if not hmac.compare_digest(_hash(algorithm, body), claimed):
            return DigestVerdict.MISMATCH
        checked = True
    return DigestVerdict.MATCH if checked else DigestVerdict.UNSUPPORTED


def check_digest(value: str, body: bytes) -> DigestVerdict:
    """Compare an RFC 3230 `Digest` value with `body`.

    Every SHA-256/SHA-512 entry must match, and at least one must be present.
    """
    claims: list[tuple[str, bytes]] = []
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition("=")
        if not sep or not name:
            return DigestVerdict.MALFORMED
        try:
            claimed = binascii.a2b_base64(encoded.strip(), strict_mode=True)
        except binascii.Error:
            return DigestVerdict.MALFORMED
        claims.append((name.strip().lower(), claimed))
    return _verdict(claims, body)


def check_content_digest(value: str, body: bytes) -> DigestVerdict:
    """Compare an RFC 9530 `Content-Digest` value with `body`.

    Every sha-256/sha-512 member must match, and at least one must be present.
    """
    try:
        single = sfv.parse_single_byte_sequence(value)
        if single is not None:
            return _verdict([single], body)
        members = sfv.parse_dictionary(value)
    except StructuredFieldError:
        return DigestVerdict.MALFORMED
    claims: list[tuple[str, bytes]] = []
    for name, member in members.items():
        if not isinstance(member, sfv.Item) or not isinstance(member.value, bytes):
            return DigestVerdict.MALFORMED
        claims.append((name, member.value))
    return _verdict(claims, body)
