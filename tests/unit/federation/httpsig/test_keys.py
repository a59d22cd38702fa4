"""Key wrappers: PEM loading, algorithms per key type, sign/verify round trips."""

from __future__ import annotations

import pytest

from federation.httpsig import PrivateKey, PublicKey, SharedSecret, UnsupportedAlgorithm

from . import vectors as v

MESSAGE = b"signature base"


@pytest.mark.parametrize(
    ("key_name", "algorithm"),
    [
        ("ed_key", "ed25519"),
        ("rsa_key", "rsa-v1_5-sha256"),
        ("rsa_key", "rsa-pss-sha512"),
    ],
)
def test_sign_then_verify__round_trips(
    request: pytest.FixtureRequest, key_name: str, algorithm: str
) -> None:
    key: PrivateKey = request.getfixturevalue(key_name)
    signature = key.sign(algorithm, MESSAGE)
    assert key.public_key.verify(algorithm, MESSAGE, signature)
    assert not key.public_key.verify(algorithm, MESSAGE + b"!", signature)


def test_ecdsa_p256__signs_raw_r_and_s_and_verifies() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = PrivateKey(ec.generate_private_key(ec.SECP256R1()))
    signature = key.sign("ecdsa-p256-sha256", MESSAGE)
    assert len(signature) == 64
    assert key.public_key.verify("ecdsa-p256-sha256", MESSAGE, signature)
    assert not key.public_key.verify("ecdsa-p256-sha256", MESSAGE, signature[:63])


def test_pem__round_trips_through_to_pem(ed_key: PrivateKey, rsa_key: PrivateKey) -> None:
    for key in (ed_key, rsa_key):
        assert PublicKey.from_pem(key.public_key.to_pem()) == key.public_key
        assert PrivateKey.from_pem(key.to_pem()).public_key == key.public_key


def test_pem__pkcs1_rsa_public_key_loads() -> None:
    # RFC 9421 B.1.1 prints its public key in PKCS#1 form.
    assert PublicKey.from_pem(v.RSA_PUBLIC_PEM).algorithms == ("rsa-v1_5-sha256", "rsa-pss-sha512")


def test_pem__garbage_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        PublicKey.from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValueError):
        PrivateKey.from_pem("not a key")


def test_algorithm_that_does_not_fit_the_key_is_unsupported(
    ed_key: PrivateKey, rsa_key: PrivateKey
) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        ed_key.sign("rsa-v1_5-sha256", MESSAGE)
    with pytest.raises(UnsupportedAlgorithm):
        rsa_key.public_key.verify("ed25519", MESSAGE, b"x" * 64)


def test_shared_secret__signs_and_verifies_hmac_only() -> None:
    secret = SharedSecret(v.SHARED_SECRET)
    mac = secret.sign("hmac-sha256", MESSAGE)
    assert secret.verify("hmac-sha256", MESSAGE, mac)
    assert not secret.verify("hmac-sha256", MESSAGE, mac[:-1] + b"\x00")
    with pytest.raises(UnsupportedAlgorithm):
        secret.sign("ed25519", MESSAGE)
    with pytest.raises(ValueError):
        SharedSecret(b"")


def test_repr__never_shows_key_material(rsa_key: PrivateKey) -> None:
    assert repr(rsa_key) == "PrivateKey(kind='rsa')"
    assert "uzvJ" not in repr(SharedSecret(v.SHARED_SECRET))
