"""Body digests: RFC 3230 `Digest` and RFC 9530 `Content-Digest`."""

from __future__ import annotations

import pytest

from federation.httpsig import (
    DigestVerdict,
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)

from . import vectors as v


def test_digest_header__matches_draft_cavage_appendix_c() -> None:
    assert digest_header(v.CAVAGE_BODY) == v.CAVAGE_DIGEST


def test_content_digest_header__sha512_matches_rfc9421_appendix_b2() -> None:
    assert content_digest_header(v.REQUEST_BODY, ["sha-512"]) == v.REQUEST_CONTENT_DIGEST


def test_content_digest_header__sha256_is_the_default() -> None:
    assert content_digest_header(v.CAVAGE_BODY) == (
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )


def test_check__both_headers_match_their_body() -> None:
    body = b"payload"
    assert check_digest(digest_header(body, "sha-512"), body) is DigestVerdict.MATCH
    both = content_digest_header(body, ["sha-256", "sha-512"])
    assert check_content_digest(both, body) is DigestVerdict.MATCH


def test_check__another_body_is_a_mismatch() -> None:
    assert check_digest(v.CAVAGE_DIGEST, b"{}") is DigestVerdict.MISMATCH
    assert check_content_digest(v.REQUEST_CONTENT_DIGEST, b"{}") is DigestVerdict.MISMATCH


def test_check__one_wrong_entry_among_several_is_a_mismatch() -> None:
    body = b"payload"
    forged = content_digest_header(body) + ", " + content_digest_header(b"other", ["sha-512"])
    assert check_content_digest(forged, body) is DigestVerdict.MISMATCH


def test_check__algorithm_names_are_case_insensitive_in_digest() -> None:
    assert check_digest(v.CAVAGE_DIGEST.replace("SHA-256", "sha-256"), v.CAVAGE_BODY) is (
        DigestVerdict.MATCH
    )


def test_check__insecure_algorithms_alone_are_unsupported() -> None:
    assert check_digest("MD5=HUXZLQLMuI/KZ5KDcJPcOA==", b"x") is DigestVerdict.UNSUPPORTED
    assert check_content_digest("md5=:HUXZLQLMuI/KZ5KDcJPcOA==:", b"x") is (
        DigestVerdict.UNSUPPORTED
    )


@pytest.mark.parametrize("value", ["SHA-256", "SHA-256=not base64!", "=abc"])
def test_check__unparsable_digest_is_malformed(value: str) -> None:
    assert check_digest(value, b"x") is DigestVerdict.MALFORMED


@pytest.mark.parametrize("value", ["sha-256=1", "sha-256=:abc", "sha-256=(:AA==:)"])
def test_check__unparsable_content_digest_is_malformed(value: str) -> None:
    assert check_content_digest(value, b"x") is DigestVerdict.MALFORMED


def test_headers__unknown_algorithm_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        digest_header(b"", "md5")
    with pytest.raises(ValueError):
        content_digest_header(b"", ["sha-1"])
