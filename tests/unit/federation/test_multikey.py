"""FEP-521a Multikey encoding, checked against published did:key test vectors.

An Ed25519 ``did:key`` is ``did:key:`` followed by exactly the ``publicKeyMultibase`` value
FEP-521a asks for (base58btc of 0xed01 + the 32 key bytes), so the did:key spec's vectors
check our encoding. Vectors: w3c-ccg/did-method-key, ``test-vectors/ed25519-x25519.json``
(https://github.com/w3c-ccg/did-method-key/blob/main/test-vectors/ed25519-x25519.json):
for each 32-byte ``seed`` (the Ed25519 private key), its ``publicKeyBase58`` and its ``did``.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.multikey import (
    MultikeyError,
    base58btc_decode,
    base58btc_encode,
    ed25519_from_multibase,
    ed25519_multibase,
    multikey,
)

# (seed hex, publicKeyBase58, did) from the did:key test vectors cited above.
DID_KEY_VECTORS = [
    (
        "00" * 32,
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    ),
    (
        "00" * 31 + "01",
        "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    ),
    (
        "00" * 31 + "02",
        "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH",
        "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
    ),
    (
        "00" * 31 + "03",
        "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2",
        "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ",
    ),
    (
        "00" * 31 + "04",
        "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x",
        "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL",
    ),
]

# The publicKeyMultibase of the example actor in FEP-521a ("Example" section).
FEP_521A_EXAMPLE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def _public_raw(seed_hex: str) -> bytes:
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


@pytest.mark.parametrize(("seed", "base58", "did"), DID_KEY_VECTORS)
def test_base58btc__encodes_the_vector_public_keys(seed: str, base58: str, did: str) -> None:
    assert base58btc_encode(_public_raw(seed)) == base58
    assert base58btc_decode(base58) == _public_raw(seed)


@pytest.mark.parametrize(("seed", "base58", "did"), DID_KEY_VECTORS)
def test_multibase__is_the_did_key_identifier(seed: str, base58: str, did: str) -> None:
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))
    assert ed25519_multibase(private.public_key()) == did.removeprefix("did:key:")
    assert ed25519_multibase(_public_raw(seed)) == did.removeprefix("did:key:")


@pytest.mark.parametrize(("seed", "base58", "did"), DID_KEY_VECTORS)
def test_multibase__decodes_back_to_the_key(seed: str, base58: str, did: str) -> None:
    key = ed25519_from_multibase(did.removeprefix("did:key:"))
    assert key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == (
        _public_raw(seed)
    )


def test_multibase__fep_521a_example_round_trips() -> None:
    key = ed25519_from_multibase(FEP_521A_EXAMPLE)
    assert ed25519_multibase(key) == FEP_521A_EXAMPLE
    assert FEP_521A_EXAMPLE.startswith("z6Mk")  # every Ed25519 Multikey does


def test_multibase__of_a_generated_key_verifies_its_signatures() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    public = ed25519_from_multibase(ed25519_multibase(private.public_key()))
    public.verify(private.sign(b"coopfed"), b"coopfed")  # raises if the key were wrong


def test_base58btc__keeps_leading_zero_bytes() -> None:
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_decode("112") == b"\0\0\x01"
    assert base58btc_encode(b"") == ""
    assert base58btc_decode("") == b""


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "base58btc"),  # no 'z'
        ("z0OIl", "base58btc character"),  # characters outside the alphabet
        (
            "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
            "Ed25519",
        ),  # a P-256 did:key from the same spec: another multicodec
        ("z" + base58btc_encode(b"\xed\x01" + b"\x01" * 5), "32 bytes"),  # a short key
    ],
)
def test_ed25519_from_multibase__refuses_what_is_not_an_ed25519_key(
    value: str, reason: str
) -> None:
    with pytest.raises(MultikeyError, match=reason):
        ed25519_from_multibase(value)


def test_ed25519_multibase__refuses_raw_keys_of_the_wrong_length() -> None:
    with pytest.raises(MultikeyError):
        ed25519_multibase(b"\x01" * 31)


def test_multikey__has_the_fep_521a_shape() -> None:
    assert multikey("https://x.example/a#k", "https://x.example/a", "z6Mk…") == {
        "id": "https://x.example/a#k",
        "type": "Multikey",
        "controller": "https://x.example/a",
        "publicKeyMultibase": "z6Mk…",
    }
