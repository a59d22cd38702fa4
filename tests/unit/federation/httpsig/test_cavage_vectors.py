"""draft-cavage-http-signatures-12 Appendix C test values (key "Test", Appendix C)."""

from __future__ import annotations

import pytest

from federation.httpsig import (
    HttpMessage,
    MalformedSignature,
    PrivateKey,
    PublicKey,
    UnsupportedAlgorithm,
    cavage,
    check_digest,
)
from federation.httpsig.digest import DigestVerdict

from . import vectors as v


def _message(extra: list[tuple[str, str]] | None = None) -> HttpMessage:
    return HttpMessage.request("POST", v.CAVAGE_URL, [*v.CAVAGE_HEADERS, *(extra or [])])


@pytest.fixture(scope="module")
def test_key() -> PrivateKey:
    return PrivateKey.from_pem(v.CAVAGE_PRIVATE_PEM)


def test_appendix_c__request_digest_matches_its_body() -> None:
    assert check_digest(v.CAVAGE_DIGEST, v.CAVAGE_BODY) is DigestVerdict.MATCH


def test_c1_default_test__signature_without_headers_covers_date_and_verifies() -> None:
    message = _message([("Signature", v.C1_HEADER)])
    parsed = cavage.find_signature(message)
    assert parsed is not None
    assert parsed.headers == ("date",)
    assert cavage.signing_string(message, parsed) == b"date: Sun, 05 Jan 2014 21:31:40 GMT"
    key = PublicKey.from_pem(v.CAVAGE_PUBLIC_PEM)
    assert cavage.verify(message, parsed, key) == "rsa-v1_5-sha256"


def test_c1_default_test__is_reproduced(test_key: PrivateKey) -> None:
    header = cavage.sign(_message(), test_key, "Test", ["date"], algorithm="rsa-sha256")
    assert (
        header == f'keyId="Test",algorithm="rsa-sha256",headers="date",signature="{v.C1_SIGNATURE}"'
    )


def test_c2_basic_test__verifies_in_signature_and_authorization_headers() -> None:
    key = PublicKey.from_pem(v.CAVAGE_PUBLIC_PEM)
    for extra in ([("Signature", v.C2_HEADER)], [("Authorization", f"Signature {v.C2_HEADER}")]):
        message = _message(extra)
        parsed = cavage.find_signature(message)
        assert parsed is not None
        assert cavage.signing_string(message, parsed).decode() == v.C2_SIGNING_STRING
        assert cavage.verify(message, parsed, key) == "rsa-v1_5-sha256"


def test_c2_basic_test__is_reproduced(test_key: PrivateKey) -> None:
    header = cavage.sign(_message(), test_key, "Test", ["(request-target)", "host", "date"])
    assert header == v.C2_HEADER


def test_c2_basic_test__hs2019_with_rsa_key_is_pkcs1_v1_5_sha256() -> None:
    # What Mastodon does: hs2019 + an RSA key = RSASSA-PKCS1-v1_5 with SHA-256.
    header = v.C2_HEADER.replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    message = _message([("Signature", header)])
    parsed = cavage.find_signature(message)
    assert parsed is not None
    key = PublicKey.from_pem(v.CAVAGE_PUBLIC_PEM)
    assert cavage.verify(message, parsed, key) == "rsa-v1_5-sha256"


def test_c3_all_headers_test__as_printed_is_refused() -> None:
    # The draft warns its vectors may be wrong. C.3 lists (created) and (expires) with
    # rsa-sha256, which section 2.3 steps 2-3 say MUST produce an error.
    message = _message([("Signature", v.C3_HEADER)])
    parsed = cavage.find_signature(message)
    assert parsed is not None
    with pytest.raises(MalformedSignature, match=r"\(created\)"):
        cavage.verify(message, parsed, PublicKey.from_pem(v.CAVAGE_PUBLIC_PEM))


def test_c3_all_headers_test__printed_signing_string_is_what_was_signed(
    test_key: PrivateKey,
) -> None:
    # The printed signature is over the printed signing string, which has no (created)
    # or (expires) lines: we reproduce it with that header list.
    names = ["(request-target)", "host", "date", "content-type", "digest", "content-length"]
    message = _message()
    header = cavage.sign(message, test_key, "Test", names)
    assert header.endswith(f'signature="{v.C3_SIGNATURE}"')
    parsed = cavage.parse_signature_header(header)
    assert cavage.signing_string(message, parsed).decode() == v.C3_SIGNING_STRING


def test_parse__repeated_parameter_is_malformed() -> None:
    # Section 2.2.
    with pytest.raises(MalformedSignature, match="repeated"):
        cavage.parse_signature_header(f'keyId="a",{v.C2_HEADER}')


def test_parse__missing_key_id_is_malformed() -> None:
    with pytest.raises(MalformedSignature):
        cavage.parse_signature_header(f'algorithm="rsa-sha256",signature="{v.C1_SIGNATURE}"')


def test_parse__unknown_parameters_are_ignored() -> None:
    parsed = cavage.parse_signature_header(f'foo="bar", {v.C2_HEADER}')
    assert parsed.key_id == "Test"


def test_verify__rsa_sha256_with_an_ed25519_key_is_unsupported() -> None:
    # Section 2.1.3: an algorithm that contradicts the key MUST produce an error.
    message = _message([("Signature", v.C2_HEADER)])
    parsed = cavage.find_signature(message)
    assert parsed is not None
    with pytest.raises(UnsupportedAlgorithm):
        cavage.verify(message, parsed, PrivateKey.generate_ed25519().public_key)


def test_verify__deprecated_rsa_sha1_is_unsupported() -> None:
    header = v.C2_HEADER.replace("rsa-sha256", "rsa-sha1")
    message = _message([("Signature", header)])
    parsed = cavage.find_signature(message)
    assert parsed is not None
    with pytest.raises(UnsupportedAlgorithm):
        cavage.verify(message, parsed, PublicKey.from_pem(v.CAVAGE_PUBLIC_PEM))


def test_hs2019__ed25519_signs_and_verifies_created_and_expires() -> None:
    key = PrivateKey.generate_ed25519()
    message = _message()
    header = cavage.sign(
        message,
        key,
        "ed",
        ["(request-target)", "(created)", "(expires)", "host", "digest"],
        created=1402170695,
        expires=1402170699,
    )
    assert 'algorithm="hs2019"' in header
    parsed = cavage.parse_signature_header(header)
    assert cavage.signing_string(message, parsed).decode().split("\n")[1:3] == [
        "(created): 1402170695",
        "(expires): 1402170699",
    ]
    assert cavage.verify(message, parsed, key.public_key) == "ed25519"
