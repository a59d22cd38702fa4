"""FEP-521a Multikey values for Ed25519 keys.

An actor publishes its Ed25519 key in ``assertionMethod`` as a ``Multikey`` whose
``publicKeyMultibase`` is the multibase base58btc form (prefix ``z``) of the multicodec
``ed25519-pub`` header (varint 0xed, i.e. the bytes ``0xed 0x01``) followed by the 32 raw key
bytes. The same string is the method-specific part of an Ed25519 ``did:key``, so the did:key
test vectors check this encoding.

References: FEP-521a (https://w3id.org/fep/521a); Controlled Identifiers 1.0, section 2.2.2
"Multikey"; the multicodec table (``ed25519-pub``, 0xed).
"""

from __future__ import annotations

from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

__all__ = [
    "ED25519_PUB_HEADER",
    "MultikeyError",
    "base58btc_decode",
    "base58btc_encode",
    "ed25519_from_multibase",
    "ed25519_multibase",
    "multikey",
]

ED25519_PUB_HEADER: Final = b"\xed\x01"
_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # Bitcoin's
_INDEX: Final = {char: value for value, char in enumerate(_ALPHABET)}
_BASE58BTC_PREFIX: Final = "z"


class MultikeyError(ValueError):
    """A multibase or Multikey value that cannot be decoded into the key it claims to be."""


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes a leading ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58btc string; raises ``MultikeyError`` on a character outside the
    alphabet."""
    number = 0
    for char in text:
        value = _INDEX.get(char)
        if value is None:
            raise MultikeyError(f"{char!r} is not a base58btc character")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _raw(key: ed25519.Ed25519PublicKey | bytes) -> bytes:
    if isinstance(key, bytes):
        if len(key) != 32:
            raise MultikeyError(f"an Ed25519 public key has 32 bytes, not {len(key)}")
        return key
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_multibase(key: ed25519.Ed25519PublicKey | bytes) -> str:
    """``publicKeyMultibase`` for an Ed25519 public key (a key object or its 32 raw bytes)."""
    return _BASE58BTC_PREFIX + base58btc_encode(ED25519_PUB_HEADER + _raw(key))


def ed25519_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 public key in a ``publicKeyMultibase`` value.

    Raises ``MultikeyError`` unless ``value`` is base58btc (``z…``) of the ``ed25519-pub``
    header and exactly 32 key bytes.
    """
    if not value.startswith(_BASE58BTC_PREFIX):
        raise MultikeyError("publicKeyMultibase must be base58btc (start with 'z')")
    data = base58btc_decode(value[1:])
    if not data.startswith(ED25519_PUB_HEADER):
        raise MultikeyError("publicKeyMultibase does not hold an Ed25519 public key (0xed01)")
    raw = data[len(ED25519_PUB_HEADER) :]
    if len(raw) != 32:
        raise MultikeyError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def multikey(key_id: str, controller: str, multibase: str) -> dict[str, Any]:
    """A FEP-521a ``Multikey`` object; ``controller`` is the actor's id."""
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multibase,
    }
