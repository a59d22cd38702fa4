"""draft-cavage-http-signatures-12: the `Signature` header most of the fediverse still uses.

Signing string (section 2.3): one `name: value` line per entry of `headers`, where
`(request-target)` is the lowercased method, a space and the path with its query, and
`(created)` / `(expires)` are the parameters of the same names.

Algorithms (section 2.1.3 says to derive the real one from the key, not from the
`algorithm` parameter; we do both and refuse a contradiction):

- `rsa-sha256` with an RSA key: RSASSA-PKCS1-v1_5 with SHA-256;
- `hs2019` with an RSA key: RSASSA-PKCS1-v1_5 with SHA-256, as Mastodon signs it, falling
  back on verification to RSASSA-PSS/SHA-512, which the draft's own text describes;
- `hs2019` (or `ed25519`) with an Ed25519 key: Ed25519;
- `hmac-sha256` with a shared secret;
- no `algorithm` at all: whatever the key is.

These functions check signatures and structure only; policy lives in
`federation.httpsig.check`.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from typing import Final, NamedTuple

from federation.httpsig.errors import MalformedSignature, UnsupportedAlgorithm
from federation.httpsig.keys import (
    ED25519,
    HMAC_SHA256,
    RSA_PSS_SHA512,
    RSA_V1_5_SHA256,
    KeyKind,
    SigningKey,
    VerificationKey,
)
from federation.httpsig.message import HttpMessage

__all__ = [
    "CavageSignature",
    "algorithms_for",
    "check_algorithm_name",
    "default_algorithm_name",
    "find_signature",
    "parse_signature_header",
    "sign",
    "signing_string",
    "verify",
    "verify_string",
]

_ALGORITHMS: Final[dict[str, dict[KeyKind, tuple[str, ...]]]] = {
    "rsa-sha256": {"rsa": (RSA_V1_5_SHA256,)},
    "hs2019": {"rsa": (RSA_V1_5_SHA256, RSA_PSS_SHA512), "ed25519": (ED25519,)},
    "ed25519": {"ed25519": (ED25519,)},
    "hmac-sha256": {"hmac": (HMAC_SHA256,)},
}
_UNDECLARED: Final[dict[KeyKind, tuple[str, ...]]] = {
    "rsa": (RSA_V1_5_SHA256,),
    "ed25519": (ED25519,),
    "hmac": (HMAC_SHA256,),
}
# Section 2.3 steps 2 and 3: these algorithm families must not sign (created)/(expires).
_NO_TIMESTAMP_PREFIXES: Final = ("rsa", "hmac", "ecdsa")

_PARAM = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"]*)"|([0-9.]+))[ \t]*')
_TIMESTAMP = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,9})?")


class CavageSignature(NamedTuple):
    """The parameters of one cavage signature."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: str | None
    expires: str | None

    @property
    def created_time(self) -> int | None:
        """`created` as an integer, or None if absent."""
        return None if self.created is None else int(self.created)

    @property
    def expires_time(self) -> float | None:
        """`expires` as a number (the draft allows a fraction), or None if absent."""
        return None if self.expires is None else float(self.expires)


def parse_signature_header(value: str) -> CavageSignature:
    """Parse the parameters of a `Signature` header (or of `Authorization: Signature ...`).

    Raises `MalformedSignature` if a parameter is repeated (section 2.2), if `keyId` or
    `signature` is missing, or if `headers` is empty. Unknown parameters are ignored.
    """
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if match is None:
            raise MalformedSignature(f"cannot parse signature parameters at offset {pos}")
        name, quoted, bare = match.groups()
        if name in params:
            raise MalformedSignature(f"signature parameter {name!r} is repeated")
        params[name] = quoted if quoted is not None else bare
        pos = match.end()
        if pos < len(value):
            if value[pos] != ",":
                raise MalformedSignature(f"expected a comma at offset {pos}")
            pos += 1
    key_id, encoded = params.get("keyId"), params.get("signature")
    if not key_id or encoded is None:
        raise MalformedSignature("keyId and signature are required")
    try:
        signature = binascii.a2b_base64(encoded, strict_mode=True)
    except binascii.Error as error:
        raise MalformedSignature(f"signature is not base64: {error}") from error
    algorithm = params.get("algorithm")
    created, expires = params.get("created"), params.get("expires")
    for name, stamp in (("created", created), ("expires", expires)):
        if stamp is not None and _TIMESTAMP.fullmatch(stamp) is None:
            raise MalformedSignature(f"{name} is not a Unix timestamp: {stamp!r}")
    if created is not None and "." in created:
        raise MalformedSignature("created must be an integer")
    if "headers" in params:
        headers = tuple(params["headers"].lower().split())
        if not headers:
            raise MalformedSignature("headers must not be empty")
    else:
        # Section 2.1.6 says the default is "(created)"; Appendix C.1 and Mastodon sign
        # "date" by default for the rsa/hmac/ecdsa names, which may not sign (created).
        headers = ("(created)",) if algorithm == "hs2019" else ("date",)
    return CavageSignature(key_id, algorithm, headers, signature, created, expires)


def find_signature(message: HttpMessage) -> CavageSignature | None:
    """The cavage signature of `message`: its `Signature` header, else an
    `Authorization: Signature ...` header; None if it has neither.

    Raises `MalformedSignature` if the header does not parse.
    """
    value = message.field("signature")
    if value is None:
        authorization = message.field("authorization")
        if authorization is None:
            return None
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "signature":
            return None
        value = rest
    return parse_signature_header(value)


def signing_string(message: HttpMessage, signature: CavageSignature) -> bytes:
    """The signing string of section 2.3 for `signature`'s `headers` list.

    Raises `MalformedSignature` if a listed header is absent, or if `(created)` or
    `(expires)` is listed but cannot be used.
    """
    return _signing_string(
        message, signature.headers, signature.algorithm, signature.created, signature.expires
    )


def _signing_string(
    message: HttpMessage,
    headers: Sequence[str],
    algorithm: str | None,
    created: str | None,
    expires: str | None,
) -> bytes:
    lines = []
    for name in headers:
        if name == "(request-target)":
            if message.method is None:
                raise MalformedSignature("(request-target) needs a request")
            lines.append(f"(request-target): {message.method.lower()} {message.request_target}")
        elif name in ("(created)", "(expires)"):
            if algorithm is not None and algorithm.startswith(_NO_TIMESTAMP_PREFIXES):
                raise MalformedSignature(f"{name} cannot be signed with {algorithm}")
            stamp = created if name == "(created)" else expires
            if stamp is None:
                raise MalformedSignature(f"{name} is listed but the parameter is absent")
            lines.append(f"{name}: {stamp}")
        else:
            value = message.field(name)
            if value is None:
                raise MalformedSignature(f"signed header {name!r} is absent")
            lines.append(f"{name}: {value}")
    text = "\n".join(lines)
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        # Header values arrive as latin-1-decoded bytes; other text is taken as UTF-8.
        return text.encode("utf-8")


def algorithms_for(declared: str | None, key: VerificationKey | SigningKey) -> tuple[str, ...]:
    """The RFC 9421 algorithm names to try with `key` for the `algorithm` parameter.

    Raises `UnsupportedAlgorithm` if `declared` is unknown (e.g. the deprecated
    `rsa-sha1`) or contradicts the key type (section 2.1.3).
    """
    if declared is None:
        found = _UNDECLARED.get(key.kind)
        if found is None:
            raise UnsupportedAlgorithm(f"no cavage algorithm for a {key.kind} key")
        return found
    by_kind = _ALGORITHMS.get(declared.lower())
    if by_kind is None:
        raise UnsupportedAlgorithm(f"unsupported algorithm {declared!r}")
    found = by_kind.get(key.kind)
    if found is None:
        raise UnsupportedAlgorithm(f"algorithm {declared!r} does not fit a {key.kind} key")
    return found


def check_algorithm_name(declared: str | None) -> None:
    """Raise `UnsupportedAlgorithm` if `declared` can never verify, whatever the key."""
    if declared is not None and declared.lower() not in _ALGORITHMS:
        raise UnsupportedAlgorithm(f"unsupported algorithm {declared!r}")


def verify_string(
    text: bytes, signature: bytes, declared: str | None, key: VerificationKey
) -> str | None:
    """Verify `signature` over a signing string; return the algorithm that verified."""
    for algorithm in algorithms_for(declared, key):
        if key.verify(algorithm, text, signature):
            return algorithm
    return None


def verify(message: HttpMessage, signature: CavageSignature, key: VerificationKey) -> str | None:
    """Verify a parsed cavage signature of `message` with `key`.

    Returns the (RFC 9421) name of the algorithm that verified, or None if the signature
    is wrong. Raises `MalformedSignature` or `UnsupportedAlgorithm` if it cannot be checked
    at all. Freshness (`created`, `expires`, `date`) is the caller's policy.
    """
    text = signing_string(message, signature)
    return verify_string(text, signature.signature, signature.algorithm, key)


def default_algorithm_name(key: SigningKey) -> str:
    """The `algorithm` value peers expect for `key`: `rsa-sha256` for RSA (what Mastodon
    sends), `hs2019` for Ed25519, `hmac-sha256` for a shared secret."""
    if key.kind == "rsa":
        return "rsa-sha256"
    if key.kind == "ed25519":
        return "hs2019"
    if key.kind == "hmac":
        return "hmac-sha256"
    raise UnsupportedAlgorithm(f"no cavage algorithm for a {key.kind} key")


def sign(
    message: HttpMessage,
    key: SigningKey,
    key_id: str,
    headers: Sequence[str],
    *,
    algorithm: str | None = None,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """Sign `message`; return the `Signature` header value.

    `headers` are the names to sign, in order (lowercased). `algorithm` defaults to
    `default_algorithm_name(key)`. `(created)`/`(expires)` need `created`/`expires`.
    Raises `MalformedSignature` if a listed header is absent from `message`.
    """
    name = algorithm or default_algorithm_name(key)
    if not headers:
        raise MalformedSignature("headers must not be empty")
    if any(char in key_id for char in '"\r\n'):
        raise MalformedSignature("keyId cannot contain quotes or line breaks")
    names = tuple(header.lower() for header in headers)
    created_text = None if created is None else str(created)
    expires_text = None if expires is None else str(expires)
    text = _signing_string(message, names, name, created_text, expires_text)
    signed_with = algorithms_for(name, key)[0]
    value = binascii.b2a_base64(key.sign(signed_with, text), newline=False).decode("ascii")
    parts = [f'keyId="{key_id}"', f'algorithm="{name}"']
    if created_text is not None:
        parts.append(f"created={created_text}")
    if expires_text is not None:
        parts.append(f"expires={expires_text}")
    parts.append(f'headers="{" ".join(names)}"')
    parts.append(f'signature="{value}"')
    return ",".join(parts)
