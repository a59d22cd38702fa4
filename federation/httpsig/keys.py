"""Signing and verification keys, parsed once and cached by callers.

`PublicKey` and `PrivateKey` wrap `cryptography` key objects (RSA, Ed25519, EC P-256);
`SharedSecret` wraps an HMAC secret. Parse a PEM once when a key is fetched or loaded, keep
the wrapper, and pass it to every verification: nothing here parses PEM per request.

Algorithms are named as in the RFC 9421 registry (section 6.2.2): `rsa-v1_5-sha256`,
`rsa-pss-sha512`, `ed25519`, `ecdsa-p256-sha256`, `hmac-sha256`. The cavage scheme maps its
own names onto these (see `federation.httpsig.cavage`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Final, Literal, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from federation.httpsig.errors import UnsupportedAlgorithm

__all__ = [
    "ECDSA_P256_SHA256",
    "ED25519",
    "HMAC_SHA256",
    "RSA_PSS_SHA512",
    "RSA_V1_5_SHA256",
    "KeyKind",
    "PrivateKey",
    "PublicKey",
    "SharedSecret",
    "SigningKey",
    "VerificationKey",
]

RSA_V1_5_SHA256: Final = "rsa-v1_5-sha256"
RSA_PSS_SHA512: Final = "rsa-pss-sha512"
ED25519: Final = "ed25519"
ECDSA_P256_SHA256: Final = "ecdsa-p256-sha256"
HMAC_SHA256: Final = "hmac-sha256"

KeyKind: TypeAlias = Literal["rsa", "ed25519", "ec-p256", "hmac"]

_RawPublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
_RawPrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
)

# Built once: these objects are immutable descriptions, and building them per call shows
# up in the verification profile.
_PKCS1: Final = padding.PKCS1v15()
_SHA256: Final = hashes.SHA256()
_PSS_SHA512: Final = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
_SHA512: Final = hashes.SHA512()
_ECDSA_SHA256: Final = ec.ECDSA(hashes.SHA256())

# Preferred algorithm first. RSA lists v1.5 first: it is what the fediverse signs with, and
# a signature that names no algorithm is far more likely to be v1.5 than PSS.
_ALGORITHMS: Final[dict[KeyKind, tuple[str, ...]]] = {
    "rsa": (RSA_V1_5_SHA256, RSA_PSS_SHA512),
    "ed25519": (ED25519,),
    "ec-p256": (ECDSA_P256_SHA256,),
    "hmac": (HMAC_SHA256,),
}


def _kind_of(key: _RawPublicKey | _RawPrivateKey) -> KeyKind:
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key.curve, ec.SECP256R1):
        return "ec-p256"
    raise UnsupportedAlgorithm(f"unsupported elliptic curve: {key.curve.name}")


def _unsupported(kind: KeyKind, algorithm: str) -> UnsupportedAlgorithm:
    return UnsupportedAlgorithm(f"algorithm {algorithm!r} cannot be used with a {kind} key")


def _ecdsa_p256_verifier(key: ec.EllipticCurvePublicKey) -> Callable[[bytes, bytes], None]:
    def verify(signature: bytes, message: bytes) -> None:
        # RFC 9421 section 3.3.4: the signature is r || s, 32 bytes each.
        if len(signature) != 64:
            raise InvalidSignature
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, message, _ECDSA_SHA256)

    return verify


def _verifiers(key: _RawPublicKey) -> dict[str, Callable[[bytes, bytes], None]]:
    """One `verify(signature, message)` per algorithm the key supports, raising
    InvalidSignature; built once per key so that verifying dispatches on a dict lookup."""
    if isinstance(key, rsa.RSAPublicKey):
        rsa_key = key
        return {
            RSA_V1_5_SHA256: lambda signature, message: rsa_key.verify(
                signature, message, _PKCS1, _SHA256
            ),
            RSA_PSS_SHA512: lambda signature, message: rsa_key.verify(
                signature, message, _PSS_SHA512, _SHA512
            ),
        }
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {ED25519: key.verify}
    return {ECDSA_P256_SHA256: _ecdsa_p256_verifier(key)}


class PublicKey:
    """A parsed public key (RSA, Ed25519 or EC P-256) that verifies signatures."""

    __slots__ = ("_key", "_verifiers", "kind")

    def __init__(self, key: _RawPublicKey) -> None:
        self._key = key
        self.kind: KeyKind = _kind_of(key)
        self._verifiers = _verifiers(key)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> PublicKey:
        """Parse a PEM public key (SPKI, or PKCS#1 `RSA PUBLIC KEY`).

        Raises `ValueError` for anything that is not a PEM public key of a supported type.
        """
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        key = serialization.load_pem_public_key(data)
        if not isinstance(
            key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
        ):
            raise ValueError(f"unsupported public key type: {type(key).__name__}")
        try:
            return cls(key)
        except UnsupportedAlgorithm as error:
            raise ValueError(str(error)) from error

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The algorithms this key can verify, the most likely first."""
        return _ALGORITHMS[self.kind]

    @property
    def raw(self) -> _RawPublicKey:
        """The underlying `cryptography` key object."""
        return self._key

    def verify(self, algorithm: str, message: bytes, signature: bytes) -> bool:
        """Return whether `signature` is valid for `message` under `algorithm`.

        Raises `UnsupportedAlgorithm` if `algorithm` does not fit this key.
        """
        verifier = self._verifiers.get(algorithm)
        if verifier is None:
            raise _unsupported(self.kind, algorithm)
        try:
            verifier(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_pem(self) -> str:
        """The key as an SPKI PEM block, as ActivityPub `publicKeyPem` carries it."""
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.to_pem() == other.to_pem()

    def __hash__(self) -> int:
        return hash(self.to_pem())

    def __repr__(self) -> str:
        return f"PublicKey(kind={self.kind!r})"


class PrivateKey:
    """A parsed private key (RSA, Ed25519 or EC P-256) that signs."""

    __slots__ = ("_key", "_public", "kind")

    def __init__(self, key: _RawPrivateKey) -> None:
        self._key = key
        self.kind: KeyKind = _kind_of(key)
        self._public = PublicKey(key.public_key())

    @classmethod
    def from_pem(cls, pem: str | bytes, password: bytes | None = None) -> PrivateKey:
        """Parse a PEM private key (PKCS#8, or PKCS#1 `RSA PRIVATE KEY`, or SEC1 EC).

        Raises `ValueError` for anything that is not a PEM private key of a supported type.
        """
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=password)
        if not isinstance(
            key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
        ):
            raise ValueError(f"unsupported private key type: {type(key).__name__}")
        try:
            return cls(key)
        except UnsupportedAlgorithm as error:
            raise ValueError(str(error)) from error

    @classmethod
    def generate_ed25519(cls) -> PrivateKey:
        """A fresh Ed25519 key."""
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def generate_rsa(cls, bits: int = 2048) -> PrivateKey:
        """A fresh RSA key (public exponent 65537)."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @property
    def public_key(self) -> PublicKey:
        """The matching public key."""
        return self._public

    @property
    def raw(self) -> _RawPrivateKey:
        """The underlying `cryptography` key object."""
        return self._key

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The algorithms this key can sign with; the first is the default."""
        return _ALGORITHMS[self.kind]

    def sign(self, algorithm: str, message: bytes) -> bytes:
        """Sign `message` with `algorithm`; raise `UnsupportedAlgorithm` if it does not fit."""
        key = self._key
        if algorithm == RSA_V1_5_SHA256 and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(message, _PKCS1, _SHA256)
        if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(message)
        if algorithm == RSA_PSS_SHA512 and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(message, _PSS_SHA512, _SHA512)
        if algorithm == ECDSA_P256_SHA256 and isinstance(key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(key.sign(message, _ECDSA_SHA256))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        raise _unsupported(self.kind, algorithm)

    def to_pem(self) -> str:
        """The key as an unencrypted PKCS#8 PEM block."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def __repr__(self) -> str:
        # Never the key material.
        return f"PrivateKey(kind={self.kind!r})"


class SharedSecret:
    """An HMAC secret (RFC 9421 `hmac-sha256`): it both signs and verifies."""

    __slots__ = ("_secret",)

    kind: Final[KeyKind] = "hmac"

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("an HMAC secret cannot be empty")
        self._secret = secret

    @property
    def algorithms(self) -> tuple[str, ...]:
        """Always `("hmac-sha256",)`."""
        return _ALGORITHMS["hmac"]

    def sign(self, algorithm: str, message: bytes) -> bytes:
        """HMAC-SHA256 of `message`."""
        if algorithm != HMAC_SHA256:
            raise _unsupported("hmac", algorithm)
        return hmac.digest(self._secret, message, hashlib.sha256)

    def verify(self, algorithm: str, message: bytes, signature: bytes) -> bool:
        """Compare in constant time with the HMAC of `message`."""
        return hmac.compare_digest(self.sign(algorithm, message), signature)

    def __repr__(self) -> str:
        return "SharedSecret(...)"


VerificationKey: TypeAlias = PublicKey | SharedSecret
SigningKey: TypeAlias = PrivateKey | SharedSecret
