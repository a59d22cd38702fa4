"""RFC 9421 Appendix B (and section 4.3) test vectors, reproduced or verified."""

from __future__ import annotations

import pytest

from federation.httpsig import (
    HttpMessage,
    MalformedSignature,
    PrivateKey,
    PublicKey,
    SharedSecret,
    UnsupportedAlgorithm,
    rfc9421,
    sfv,
)
from federation.httpsig.digest import DigestVerdict, check_content_digest

from . import vectors as v


def _request(signature_input: str, signature: str) -> HttpMessage:
    headers = [*v.REQUEST_HEADERS, ("Signature-Input", signature_input), ("Signature", signature)]
    return HttpMessage.request("POST", v.REQUEST_URL, headers)


def _only_signature(message: HttpMessage) -> rfc9421.Rfc9421Signature:
    [signature] = rfc9421.parse_signatures(message)
    return signature


def test_b2__test_request_content_digest_matches_its_body() -> None:
    # B.2: the test-request's Content-Digest is the SHA-512 of its body.
    assert check_content_digest(v.REQUEST_CONTENT_DIGEST, v.REQUEST_BODY) is DigestVerdict.MATCH


def test_b1__example_keys_load() -> None:
    # B.1.1-B.1.4; B.1.1 is printed in PKCS#1 form, the others as SPKI/PKCS#8.
    assert PublicKey.from_pem(v.RSA_PUBLIC_PEM).kind == "rsa"
    assert PrivateKey.from_pem(v.RSA_PRIVATE_PEM).public_key == PublicKey.from_pem(v.RSA_PUBLIC_PEM)
    assert PublicKey.from_pem(v.RSA_PSS_PUBLIC_PEM).kind == "rsa"
    assert PublicKey.from_pem(v.ECC_P256_PUBLIC_PEM).kind == "ec-p256"
    assert PrivateKey.from_pem(v.ED25519_PRIVATE_PEM).public_key == PublicKey.from_pem(
        v.ED25519_PUBLIC_PEM
    )
    assert len(v.SHARED_SECRET) == 64


def test_b2_1__minimal_rsa_pss_signature_verifies() -> None:
    message = _request(v.B21_INPUT, v.B21_SIGNATURE)
    signature = _only_signature(message)
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B21_BASE
    key = PublicKey.from_pem(v.RSA_PSS_PUBLIC_PEM)
    # No `alg` parameter: the RSA key is tried with v1.5, then PSS (section 3.2 step 5).
    assert rfc9421.verify(message, signature, key) == "rsa-pss-sha512"


def test_b2_2__selective_components_with_query_param_verify() -> None:
    message = _request(v.B22_INPUT, v.B22_SIGNATURE)
    signature = _only_signature(message)
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B22_BASE
    assert signature.inner.params["tag"] == "header-example"
    key = PublicKey.from_pem(v.RSA_PSS_PUBLIC_PEM)
    assert rfc9421.verify(message, signature, key) == "rsa-pss-sha512"


def test_b2_3__full_coverage_verifies() -> None:
    message = _request(v.B23_INPUT, v.B23_SIGNATURE)
    signature = _only_signature(message)
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B23_BASE
    key = PublicKey.from_pem(v.RSA_PSS_PUBLIC_PEM)
    assert rfc9421.verify(message, signature, key) == "rsa-pss-sha512"


def test_b2_3__tampered_request_does_not_verify() -> None:
    headers = [
        (name, "application/xml" if name == "Content-Type" else value)
        for name, value in v.REQUEST_HEADERS
    ]
    headers += [("Signature-Input", v.B23_INPUT), ("Signature", v.B23_SIGNATURE)]
    message = HttpMessage.request("POST", v.REQUEST_URL, headers)
    key = PublicKey.from_pem(v.RSA_PSS_PUBLIC_PEM)
    assert rfc9421.verify(message, _only_signature(message), key) is None


def _b24_response(content_digest: str) -> HttpMessage:
    headers = [
        (name, content_digest if name == "Content-Digest" else value)
        for name, value in v.RESPONSE_HEADERS
    ]
    headers += [("Signature-Input", v.B24_INPUT), ("Signature", v.B24_SIGNATURE)]
    return HttpMessage.response(200, headers)


def test_b2_4__ecdsa_response_signature_verifies() -> None:
    # The digest printed in B.2.4's signature base, not the one in B.2's test-response:
    # the RFC prints two different values, and the signature was made over the former.
    message = _b24_response(v.B24_CONTENT_DIGEST)
    key = PublicKey.from_pem(v.ECC_P256_PUBLIC_PEM)
    assert rfc9421.verify(message, _only_signature(message), key) == "ecdsa-p256-sha256"
    printed_response = _b24_response(dict(v.RESPONSE_HEADERS)["Content-Digest"])
    assert rfc9421.verify(printed_response, _only_signature(printed_response), key) is None


def test_b2_5__hmac_signature_verifies_and_is_reproduced() -> None:
    message = _request(v.B25_INPUT, v.B25_SIGNATURE)
    signature = _only_signature(message)
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B25_BASE
    secret = SharedSecret(v.SHARED_SECRET)
    assert rfc9421.verify(message, signature, secret) == "hmac-sha256"
    # HMAC is deterministic, so our signer must produce the same bytes.
    unsigned = HttpMessage.request("POST", v.REQUEST_URL, v.REQUEST_HEADERS)
    produced = rfc9421.sign(
        unsigned,
        secret,
        "test-shared-secret",
        ["date", "@authority", "content-type"],
        created=1618884473,
        include_alg=False,
        label="sig-b25",
    )
    assert produced == (v.B25_INPUT, v.B25_SIGNATURE)


def test_b2_6__ed25519_signature_is_reproduced_byte_exactly() -> None:
    unsigned = HttpMessage.request("POST", v.REQUEST_URL, v.REQUEST_HEADERS)
    produced = rfc9421.sign(
        unsigned,
        PrivateKey.from_pem(v.ED25519_PRIVATE_PEM),
        "test-key-ed25519",
        ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        created=1618884473,
        include_alg=False,
        label="sig-b26",
    )
    assert produced == (v.B26_INPUT, v.B26_SIGNATURE)


def test_b2_6__ed25519_signature_verifies() -> None:
    message = _request(v.B26_INPUT, v.B26_SIGNATURE)
    signature = _only_signature(message)
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B26_BASE
    key = PublicKey.from_pem(v.ED25519_PUBLIC_PEM)
    assert rfc9421.verify(message, signature, key) == "ed25519"


def test_section_4_3__rsa_v1_5_proxy_signature_is_reproduced_byte_exactly() -> None:
    # Appendix B has no rsa-v1_5-sha256 example; section 4.3's proxy signature is one,
    # and RSASSA-PKCS1-v1_5 is deterministic.
    unsigned = HttpMessage.request("POST", v.PROXY_URL, v.PROXY_HEADERS)
    produced = rfc9421.sign(
        unsigned,
        PrivateKey.from_pem(v.RSA_PRIVATE_PEM),
        "test-key-rsa",
        v.PROXY_COMPONENTS,
        created=1618884480,
        expires=1618884540,
        label="proxy_sig",
    )
    assert produced == (v.PROXY_INPUT, v.PROXY_SIGNATURE)
    signed = HttpMessage.request(
        "POST",
        v.PROXY_URL,
        [*v.PROXY_HEADERS, ("Signature-Input", v.PROXY_INPUT), ("Signature", v.PROXY_SIGNATURE)],
    )
    key = PublicKey.from_pem(v.RSA_PUBLIC_PEM)
    assert rfc9421.verify(signed, _only_signature(signed), key) == "rsa-v1_5-sha256"


def test_verify__alg_parameter_contradicting_the_key_is_unsupported() -> None:
    tampered = v.B26_INPUT + ';alg="rsa-v1_5-sha256"'
    message = _request(tampered, v.B26_SIGNATURE)
    with pytest.raises(UnsupportedAlgorithm):
        rfc9421.verify(message, _only_signature(message), PublicKey.from_pem(v.ED25519_PUBLIC_PEM))


def test_parse__labels_that_do_not_pair_up_are_malformed() -> None:
    message = _request(v.B26_INPUT, v.B25_SIGNATURE)
    with pytest.raises(MalformedSignature):
        rfc9421.parse_signatures(message)


def test_parse__string_created_parameter_is_malformed() -> None:
    message = _request('sig=("@method");created="1618884473";keyid="k"', "sig=:AAAA:")
    with pytest.raises(MalformedSignature):
        rfc9421.parse_signatures(message)


def test_signature_base__component_covered_twice_is_malformed() -> None:
    message = HttpMessage.request("POST", v.REQUEST_URL, v.REQUEST_HEADERS)
    inner = sfv.InnerList((sfv.Item("date", {}), sfv.Item("date", {})), {"created": 1})
    with pytest.raises(MalformedSignature, match="twice"):
        rfc9421.signature_base(message, inner)


def test_signature_base__absent_field_is_malformed() -> None:
    message = HttpMessage.request("POST", v.REQUEST_URL, v.REQUEST_HEADERS)
    inner = sfv.InnerList((sfv.Item("x-missing", {}),), {})
    with pytest.raises(MalformedSignature, match="absent"):
        rfc9421.signature_base(message, inner)


def test_signature_base__dictionary_member_and_byte_sequence_forms() -> None:
    # Section 2.1.2 (`key`) and 2.1.3 (`bs`).
    message = HttpMessage.request(
        "GET",
        "https://example.com/",
        [("Example-Dict", " a=1, b=2;x=1;y=2, c=(a b c)"), ("Example-Header", "value, with, lots")],
    )
    inner = sfv.InnerList(
        (
            sfv.Item("example-dict", {"key": "b"}),
            sfv.Item("example-dict", {"key": "c"}),
            sfv.Item("example-header", {"bs": True}),
        ),
        {},
    )
    lines = rfc9421.signature_base(message, inner).decode().split("\n")
    assert lines[:3] == [
        '"example-dict";key="b": 2;x=1;y=2',
        '"example-dict";key="c": (a b c)',
        '"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:',
    ]


def test_b2_6__non_canonical_signature_input_is_reserialized_and_verifies() -> None:
    # Section 2.3: the @signature-params value is the serialization of the parsed
    # parameters, whatever spacing or integer spelling the sender used.
    loose = (
        'sig-b26=( "date"  "@method" "@path" "@authority" "content-type" "content-length" )'
        ';created=01618884473;keyid="test-key-ed25519"'
    )
    message = _request(loose, v.B26_SIGNATURE)
    signature = _only_signature(message)
    assert signature.serialized is None
    assert rfc9421.signature_base(message, signature.inner).decode() == v.B26_BASE
    key = PublicKey.from_pem(v.ED25519_PUBLIC_PEM)
    assert rfc9421.verify(message, signature, key) == "ed25519"


def test_parse__canonical_input_keeps_its_text_as_serialization() -> None:
    signature = _only_signature(_request(v.B26_INPUT, v.B26_SIGNATURE))
    assert signature.serialized == v.B26_INPUT.removeprefix("sig-b26=")
