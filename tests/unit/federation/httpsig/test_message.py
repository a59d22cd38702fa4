"""The message view: derived components (RFC 9421 section 2.2) and field combination."""

from __future__ import annotations

import httpx
import pytest

from federation.httpsig import HttpMessage, MalformedSignature


def test_derived_components__of_a_request_with_query() -> None:
    message = HttpMessage.request("POST", "HTTPS://WWW.Example.com:443/path?param=value", [])
    assert message.scheme == "https"
    assert message.authority == "www.example.com"
    assert message.target_uri == "https://WWW.Example.com:443/path?param=value"
    assert message.path == "/path"
    assert message.query == "param=value"
    assert message.request_target == "/path?param=value"


def test_derived_components__non_default_port_empty_path_and_no_query() -> None:
    message = HttpMessage.request("GET", "http://example.com:8080", [])
    assert message.authority == "example.com:8080"
    assert message.path == "/"
    assert message.query is None
    assert message.request_target == "/"


def test_derived_components__ipv6_host_keeps_its_brackets() -> None:
    assert HttpMessage.request("GET", "https://[::1]:8443/x", []).authority == "[::1]:8443"


def test_query_param__decodes_then_reencodes() -> None:
    # RFC 9421 section 2.2.8's example query.
    message = HttpMessage.request(
        "GET",
        "https://example.com/parameters?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something",
        [],
    )
    assert message.query_param("var") == "this%20is%20a%20big%0Avalue"
    assert message.query_param("bar") == "with%20plus%20whitespace"
    assert message.query_param("fa%C3%A7ade%22%3A%20") == "something"


def test_query_param__absent_or_repeated_is_malformed() -> None:
    message = HttpMessage.request("GET", "https://example.com/?a=1&a=2", [])
    with pytest.raises(MalformedSignature, match="repeated"):
        message.query_param("a")
    with pytest.raises(MalformedSignature, match="absent"):
        message.query_param("b")


def test_fields__repeated_lines_are_trimmed_and_combined() -> None:
    # RFC 9421 section 2.1's Cache-Control example.
    message = HttpMessage.request(
        "GET",
        "https://example.com/",
        [
            ("Cache-Control", "   max-age=60 "),
            ("cache-control", "must-revalidate"),
            ("X-Empty", "  "),
        ],
    )
    assert message.field("cache-control") == "max-age=60, must-revalidate"
    assert message.field_lines("cache-control") == ["max-age=60", "must-revalidate"]
    assert message.field("x-empty") == ""
    assert message.field("absent") is None


def test_fields__httpx_headers_keep_every_line() -> None:
    headers = httpx.Headers([("Via", "1.1 a"), ("Via", "1.1 b")])
    message = HttpMessage.request("GET", "https://example.com/", headers)
    assert message.field("via") == "1.1 a, 1.1 b"


def test_fields__byte_pairs_as_an_asgi_scope_carries_them() -> None:
    message = HttpMessage.request("GET", "https://example.com/", [(b"host", b"example.com")])
    assert message.field("host") == "example.com"


@pytest.mark.parametrize(
    "url", ["/relative", "ftp://example.com/", "https:///nohost", "https://h:99999/"]
)
def test_request__needs_an_absolute_http_url(url: str) -> None:
    with pytest.raises(MalformedSignature):
        HttpMessage.request("GET", url, [])
