"""The safe client against real loopback servers started by each test.

Nothing here ever reaches beyond 127.0.0.0/8: forbidden names resolve through a table
(``static_resolver``), and the ``connects`` spy refuses any non-loopback connect as a backstop.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from federation.net import (
    AddressPolicy,
    BadContentType,
    BadResponse,
    BlockedHost,
    ConnectionFailed,
    FetchLimits,
    FetchTimeout,
    ForbiddenAddress,
    ForbiddenURL,
    ResponseTooLarge,
    SafeClient,
    SafeTransport,
    TooManyRedirects,
)

from .loopback import LoopbackServer, Reply

AS2 = "application/activity+json"
NOTE = {"id": "https://a.example/notes/1", "type": "Note", "content": "hello"}
LOOPBACK = ["127.0.0.0/8"]

MakeClient = Callable[..., SafeClient]


def as2(document: dict[str, Any] = NOTE, content_type: str = AS2) -> Reply:
    return Reply(headers=[("Content-Type", content_type)], body=json.dumps(document).encode())


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers=[("Location", location)])


class SigningAuth(httpx.Auth):
    """Stands in for the HTTP-signature auth: adds Authorization and Signature headers."""

    def __init__(self) -> None:
        self.signed: list[str] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.signed.append(str(request.url))
        request.headers["Authorization"] = "Bearer secret"
        request.headers["Signature"] = 'keyId="k",signature="s"'
        yield request


# --- the address check at connect time -------------------------------------------------------


async def test_fetch__name_resolving_to_private_address_is_refused_before_connecting(
    make_client: MakeClient, static_resolver: Any, connects: list[tuple[str, int]]
) -> None:
    client = make_client(resolver=static_resolver({"evil.example": ["10.0.0.1"]}))

    with pytest.raises(ForbiddenAddress) as caught:
        await client.fetch_object("https://evil.example/actor")

    assert connects == []
    assert caught.value.host == "evil.example"
    assert caught.value.refused == (("10.0.0.1", "private (10.0.0.0/8)"),)
    assert caught.value.url == "https://evil.example/actor"
    assert "allow-list" in str(caught.value)


async def test_fetch__name_resolving_to_metadata_service_is_refused_even_with_loopback_allowed(
    make_client: MakeClient, static_resolver: Any, connects: list[tuple[str, int]]
) -> None:
    client = make_client(
        allow_list=LOOPBACK, resolver=static_resolver({"meta.example": ["169.254.169.254"]})
    )
    with pytest.raises(ForbiddenAddress, match="link-local"):
        await client.request("GET", "http://meta.example/latest/meta-data/")
    assert connects == []


async def test_fetch__ip_literal_forms_of_loopback_are_refused(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    client = make_client()
    for url in (
        server.url("/"),
        f"http://[::ffff:127.0.0.1]:{server.port}/",
        f"http://0.0.0.0:{server.port}/",
        f"http://[::1]:{server.port}/",
    ):
        with pytest.raises(ForbiddenAddress):
            await client.request("GET", url)
    assert connects == []
    assert server.connections == 0


async def test_fetch__localhost_is_refused_without_allow_list(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/actor", as2())
    client = make_client()

    with pytest.raises(ForbiddenAddress, match="loopback") as caught:
        await client.fetch_object(server.url("/actor", host="localhost"))

    assert caught.value.host == "localhost"
    assert connects == []
    assert server.connections == 0


async def test_fetch__localhost_is_allowed_with_loopback_allow_listed(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/actor", as2())
    client = make_client(allow_list=LOOPBACK, user_agent="coopfed/9 (+https://a.example)")

    result = await client.fetch_object(server.url("/actor", host="localhost"))

    assert result.status == 200
    assert result.document == NOTE
    assert result.content_type == AS2
    assert result.lenient_content_type is False
    assert result.url == server.url("/actor", host="localhost")
    assert result.redirects == ()
    # connected to the vetted IP, while the Host header keeps the name
    assert connects == [("127.0.0.1", server.port)]
    seen = server.requests[0]
    assert seen.headers["host"] == f"localhost:{server.port}"
    assert seen.headers["user-agent"] == "coopfed/9 (+https://a.example)"
    assert "application/activity+json" in seen.headers["accept"]


async def test_connect__uses_the_vetted_address_not_the_name_and_skips_refused_ones(
    make_client: MakeClient,
    server: LoopbackServer,
    static_resolver: Any,
    connects: list[tuple[str, int]],
) -> None:
    server.route("/actor", as2())
    resolver = static_resolver({"mixed.example": ["10.0.0.1", "127.0.0.1"]})
    client = make_client(allow_list=["127.0.0.1"], resolver=resolver)

    result = await client.fetch_object(server.url("/actor", host="mixed.example"))

    assert result.document == NOTE
    assert connects == [("127.0.0.1", server.port)]
    assert server.requests[0].headers["host"] == f"mixed.example:{server.port}"


async def test_fetch__unresolvable_name_raises_connection_failed(
    make_client: MakeClient, static_resolver: Any, connects: list[tuple[str, int]]
) -> None:
    client = make_client(resolver=static_resolver({}))
    with pytest.raises(ConnectionFailed, match=r"could not resolve nowhere\.example"):
        await client.fetch_object("https://nowhere.example/actor")
    assert connects == []


async def test_fetch__connection_refused_raises_connection_failed(
    make_client: MakeClient,
) -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(ConnectionFailed) as caught:
        await client.request("GET", f"http://127.0.0.1:{port}/")
    assert caught.value.url == f"http://127.0.0.1:{port}/"


async def test_fetch__non_http_scheme_is_refused(make_client: MakeClient) -> None:
    client = make_client(allow_list=LOOPBACK)
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1:70/"):
        with pytest.raises(ForbiddenURL, match="only http and https"):
            await client.request("GET", url)


async def test_fetch__url_with_credentials_is_refused(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(ForbiddenURL, match="credentials"):
        await client.request("GET", f"http://user:pw@127.0.0.1:{server.port}/")
    assert server.connections == 0


# --- instance block list / allow-list mode ---------------------------------------------------


async def test_fetch__blocked_host_is_refused_before_connecting(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    asked: list[str] = []

    def may_contact(host: str) -> bool:
        asked.append(host)
        return host != "localhost"

    client = make_client(allow_list=LOOPBACK, host_policy=may_contact)

    with pytest.raises(BlockedHost) as caught:
        await client.fetch_object(server.url("/actor", host="LocalHost."))

    assert asked == ["localhost"]
    assert caught.value.host == "localhost"
    assert connects == []


async def test_fetch__redirect_to_blocked_host_is_refused_at_the_hop(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/start", redirect(server.url("/actor", host="localhost")))
    server.route("/actor", as2())
    client = make_client(allow_list=LOOPBACK, host_policy=lambda host: host == "127.0.0.1")

    with pytest.raises(BlockedHost, match="redirect from") as caught:
        await client.fetch_object(server.url("/start"))

    assert caught.value.url == server.url("/actor", host="localhost")
    assert [r.path for r in server.requests] == ["/start"]


# --- redirects -------------------------------------------------------------------------------


async def test_fetch__redirect_within_limit_is_followed(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/a", redirect("/b", 301))
    server.route("/b", redirect(server.url("/actor"), 308))
    server.route("/actor", as2())
    client = make_client(allow_list=LOOPBACK)

    result = await client.fetch_object(server.url("/a"))

    assert result.document == NOTE
    assert result.url == server.url("/actor")
    assert result.redirects == (server.url("/a"), server.url("/b"))


async def test_fetch__redirect_to_private_address_is_refused(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/actor", redirect("http://10.0.0.1/latest/meta-data/"))
    client = make_client(allow_list=LOOPBACK)

    with pytest.raises(ForbiddenAddress, match="private") as caught:
        await client.fetch_object(server.url("/actor"))

    assert caught.value.url == "http://10.0.0.1/latest/meta-data/"
    assert connects == [("127.0.0.1", server.port)]


async def test_fetch__redirect_to_name_resolving_to_private_address_is_refused(
    make_client: MakeClient,
    server: LoopbackServer,
    static_resolver: Any,
    connects: list[tuple[str, int]],
) -> None:
    server.route("/actor", redirect("https://internal.example/admin"))
    resolver = static_resolver({"internal.example": ["192.168.0.10", "fd00::10"]})
    client = make_client(allow_list=LOOPBACK, resolver=resolver)

    with pytest.raises(ForbiddenAddress) as caught:
        await client.fetch_object(server.url("/actor"))

    assert [addr for addr, _ in caught.value.refused] == ["192.168.0.10", "fd00::10"]
    assert connects == [("127.0.0.1", server.port)]


async def test_fetch__redirect_to_loopback_port_outside_allow_list_is_refused(
    make_client: MakeClient, server: LoopbackServer, other_server: LoopbackServer
) -> None:
    other_server.route("/secret", as2({"id": "secret"}))
    server.route("/actor", redirect(other_server.url("/secret")))
    client = make_client(allow_list=[f"127.0.0.1:{server.port}"])

    with pytest.raises(ForbiddenAddress, match="not covered by the allow-list"):
        await client.fetch_object(server.url("/actor"))

    assert len(server.requests) == 1
    assert other_server.connections == 0


async def test_fetch__redirect_to_other_scheme_is_refused(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/actor", redirect("file:///etc/passwd"))
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(ForbiddenURL, match="only http and https") as caught:
        await client.fetch_object(server.url("/actor"))
    assert caught.value.url is not None and caught.value.url.startswith("file:")


async def test_fetch__redirect_loop_raises_too_many_redirects(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    client = make_client(allow_list=LOOPBACK)

    with pytest.raises(TooManyRedirects, match="redirect loop") as caught:
        await client.fetch_object(server.url("/a"))

    assert caught.value.chain == (server.url("/a"), server.url("/b"))
    assert len(server.requests) == 2


async def test_fetch__redirect_chain_longer_than_limit_raises_too_many_redirects(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    for n in range(10):
        server.route(f"/r{n}", redirect(f"/r{n + 1}"))
    client = make_client(allow_list=LOOPBACK, limits=FetchLimits(max_redirects=3))

    with pytest.raises(TooManyRedirects, match="more than 3 redirects") as caught:
        await client.fetch_object(server.url("/r0"))

    assert len(caught.value.chain) == 4
    assert [r.path for r in server.requests] == ["/r0", "/r1", "/r2", "/r3"]


async def test_request__redirects_are_not_followed_when_asked_not_to(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/inbox", redirect("http://10.0.0.1/"))
    client = make_client(allow_list=LOOPBACK)

    result = await client.request(
        "POST", server.url("/inbox"), content=b"{}", follow_redirects=False
    )

    assert result.status == 302
    assert result.headers["location"] == "http://10.0.0.1/"


async def test_fetch__cross_origin_redirect_drops_signature_and_authorization(
    make_client: MakeClient, server: LoopbackServer, other_server: LoopbackServer
) -> None:
    server.route("/a", redirect("/b"))  # same origin: signed again
    server.route("/b", redirect(other_server.url("/actor")))  # other origin: unsigned
    other_server.route("/actor", as2())
    auth = SigningAuth()
    client = make_client(allow_list=LOOPBACK)

    result = await client.fetch_object(
        server.url("/a"), auth=auth, headers={"Authorization": "Bearer caller"}
    )

    assert result.document == NOTE
    assert auth.signed == [server.url("/a"), server.url("/b")]
    assert [r.headers.get("signature") for r in server.requests] == ['keyId="k",signature="s"'] * 2
    seen = other_server.requests[0]
    assert "authorization" not in seen.headers
    assert "signature" not in seen.headers


async def test_request__303_turns_post_into_get_and_307_keeps_the_body(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/inbox", redirect("/moved", 307))
    server.route("/moved", redirect("/done", 303))
    server.route("/done", Reply(status=200, body=b"ok"))
    client = make_client(allow_list=LOOPBACK)

    result = await client.request(
        "POST",
        server.url("/inbox"),
        content=b'{"type":"Follow"}',
        headers={"Content-Type": AS2},
    )

    assert result.content == b"ok"
    assert [(r.method, r.path, r.body) for r in server.requests] == [
        ("POST", "/inbox", b'{"type":"Follow"}'),
        ("POST", "/moved", b'{"type":"Follow"}'),
        ("GET", "/done", b""),
    ]
    assert "content-type" not in server.requests[2].headers


# --- size and time limits --------------------------------------------------------------------


async def test_fetch__oversized_body_with_content_length_is_refused_before_reading(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/big", Reply(headers=[("Content-Type", AS2)], body=b"x" * 5000))
    client = make_client(allow_list=LOOPBACK, limits=FetchLimits(max_response_bytes=1000))

    with pytest.raises(ResponseTooLarge, match="Content-Length 5000") as caught:
        await client.fetch_object(server.url("/big"))
    assert caught.value.limit == 1000


async def test_fetch__oversized_body_without_content_length_is_refused_while_streaming(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/big", Reply(headers=[("Content-Type", AS2)], chunks=[b"x" * 400] * 10))
    client = make_client(allow_list=LOOPBACK, limits=FetchLimits(max_response_bytes=1000))

    with pytest.raises(ResponseTooLarge, match="more than 1000 bytes"):
        await client.fetch_object(server.url("/big"))


async def test_fetch__default_limit_is_one_mebibyte(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/big", Reply(chunks=[b"x" * 65536] * 17))  # 1 MiB + 64 KiB
    server.route("/fits", Reply(chunks=[b"x" * 65536] * 16))  # exactly 1 MiB
    client = make_client(allow_list=LOOPBACK)

    assert len((await client.request("GET", server.url("/fits"))).content) == 1024 * 1024
    with pytest.raises(ResponseTooLarge):
        await client.request("GET", server.url("/big"))


async def test_fetch__gzip_bomb_is_refused_without_inflating_it(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    bomb = gzip.compress(b"0" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    server.route(
        "/bomb", Reply(headers=[("Content-Type", AS2), ("Content-Encoding", "gzip")], body=bomb)
    )
    client = make_client(allow_list=LOOPBACK)

    with pytest.raises(ResponseTooLarge, match="decompresses"):
        await client.fetch_object(server.url("/bomb"))


async def test_fetch__gzip_body_is_decompressed(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    body = gzip.compress(json.dumps(NOTE).encode())
    server.route(
        "/actor", Reply(headers=[("Content-Type", AS2), ("Content-Encoding", "gzip")], body=body)
    )
    client = make_client(allow_list=LOOPBACK)

    result = await client.fetch_object(server.url("/actor"))

    assert result.document == NOTE
    assert server.requests[0].headers["accept-encoding"] == "gzip"


async def test_fetch__unsupported_content_encoding_is_refused(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route(
        "/actor", Reply(headers=[("Content-Type", AS2), ("Content-Encoding", "br")], body=b"??")
    )
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(BadResponse, match="Content-Encoding 'br'"):
        await client.fetch_object(server.url("/actor"))


async def test_fetch__slow_server_raises_read_timeout(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/slow", Reply(delay=30, body=b"late"))
    client = make_client(allow_list=LOOPBACK, limits=FetchLimits(read_timeout=0.2))

    with pytest.raises(FetchTimeout, match=r"read timed out after 0\.2s") as caught:
        await client.fetch_object(server.url("/slow"))
    assert caught.value.phase == "read"


async def test_fetch__trickling_server_hits_total_timeout(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/trickle", Reply(chunks=[b"x"] * 100, chunk_delay=0.05))
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.5)
    client = make_client(allow_list=LOOPBACK, limits=limits)

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FetchTimeout, match="total time limit") as caught:
        await client.request("GET", server.url("/trickle"))
    assert caught.value.phase == "total"
    assert loop.time() - started < 2


async def test_fetch__slow_resolver_raises_connect_timeout(make_client: MakeClient) -> None:
    async def never_answers(host: str, port: int) -> list[Any]:
        await asyncio.sleep(30)
        return []

    client = make_client(resolver=never_answers, limits=FetchLimits(connect_timeout=0.2))
    with pytest.raises(FetchTimeout) as caught:
        await client.fetch_object("https://slow-dns.example/actor")
    assert caught.value.phase == "connect"


# --- content types and documents -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "lenient"),
    [
        ("application/activity+json", False),
        ("application/activity+json; charset=utf-8", False),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', False),
        ("application/ld+json", False),
        ('Application/LD+JSON; Profile="https://www.w3.org/ns/activitystreams"', False),
        ("application/json", True),
        ("application/json; charset=utf-8", True),
    ],
)
async def test_fetch_object__activitypub_content_types_are_accepted(
    make_client: MakeClient, server: LoopbackServer, content_type: str, lenient: bool
) -> None:
    server.route("/actor", as2(content_type=content_type))
    client = make_client(allow_list=LOOPBACK)

    result = await client.fetch_object(server.url("/actor"))

    assert result.document == NOTE
    assert result.lenient_content_type is lenient


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "text/plain", None, "application/jrd+json"]
)
async def test_fetch_object__wrong_content_type_raises_bad_content_type(
    make_client: MakeClient, server: LoopbackServer, content_type: str | None
) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    server.route("/actor", Reply(headers=headers, body=b"<html>hi</html>"))
    client = make_client(allow_list=LOOPBACK)

    with pytest.raises(BadContentType, match="expected one of") as caught:
        await client.fetch_object(server.url("/actor"))
    assert caught.value.content_type == (content_type or "").split(";")[0]


async def test_fetch_object__gone_object_raises_bad_response_with_status(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/actor", Reply(status=410, headers=[("Content-Type", "text/html")]))
    client = make_client(allow_list=LOOPBACK)

    with pytest.raises(BadResponse, match="HTTP 410") as caught:
        await client.fetch_object(server.url("/actor"))
    assert caught.value.status == 410


@pytest.mark.parametrize("body", [b"[1, 2]", b'"Note"', b"{not json", b"\xff\xfe\x00"])
async def test_fetch_object__body_that_is_not_a_json_object_raises_bad_response(
    make_client: MakeClient, server: LoopbackServer, body: bytes
) -> None:
    server.route("/actor", Reply(headers=[("Content-Type", AS2)], body=body))
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(BadResponse, match="JSON"):
        await client.fetch_object(server.url("/actor"))


async def test_fetch_json__accepts_the_caller_s_content_types(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    jrd = {"subject": "acct:coop@a.example", "links": []}
    server.route("/.well-known/webfinger", as2(jrd, "application/jrd+json"))
    client = make_client(allow_list=LOOPBACK)

    result = await client.fetch_json(
        server.url("/.well-known/webfinger"),
        accept="application/jrd+json",
        content_types=["application/jrd+json"],
        lenient_content_types=["application/json"],
    )

    assert result.document == jrd
    assert result.lenient_content_type is False
    assert server.requests[0].headers["accept"] == "application/jrd+json"


async def test_request__returns_any_status_and_body(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/inbox", Reply(status=429, headers=[("Retry-After", "120")], body=b"slow down"))
    client = make_client(allow_list=LOOPBACK)

    result = await client.request("POST", server.url("/inbox"), content=b"{}")

    assert (result.status, result.headers["retry-after"], result.content) == (
        429,
        "120",
        b"slow down",
    )
    with pytest.raises(TypeError):
        result.headers["x"] = "y"  # type: ignore[index]


# --- connections, TLS, instances -------------------------------------------------------------


async def test_fetch__reuses_keep_alive_connection_to_the_same_host(
    make_client: MakeClient, server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/actor", as2())
    client = make_client(allow_list=LOOPBACK)

    for _ in range(3):
        await client.fetch_object(server.url("/actor"))

    assert server.connections == 1
    assert len(connects) == 1


async def test_fetch__cookies_are_not_kept_between_requests(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route(
        "/actor",
        Reply(
            headers=[("Content-Type", AS2), ("Set-Cookie", "s=1; Path=/")],
            body=json.dumps(NOTE).encode(),
        ),
    )
    client = make_client(allow_list=LOOPBACK)

    await client.fetch_object(server.url("/actor"))
    await client.fetch_object(server.url("/actor"))

    assert "cookie" not in server.requests[1].headers


async def test_https__certificate_is_verified_against_the_name_while_connecting_to_the_ip(
    make_client: MakeClient,
    tls_server: LoopbackServer,
    tls_for_localhost: Any,
    connects: list[tuple[str, int]],
) -> None:
    tls_server.route("/actor", as2())
    client = make_client(allow_list=LOOPBACK, ssl_context=tls_for_localhost.client)

    result = await client.fetch_object(tls_server.url("/actor", host="localhost"))

    assert result.document == NOTE
    assert connects == [("127.0.0.1", tls_server.port)]


async def test_https__certificate_for_another_name_is_refused(
    make_client: MakeClient,
    tls_server: LoopbackServer,
    tls_for_localhost: Any,
    static_resolver: Any,
) -> None:
    tls_server.route("/actor", as2())
    client = make_client(
        allow_list=LOOPBACK,
        ssl_context=tls_for_localhost.client,
        resolver=static_resolver({"impostor.example": ["127.0.0.1"]}),
    )
    with pytest.raises(ConnectionFailed, match=r"certificate|hostname"):
        await client.fetch_object(tls_server.url("/actor", host="impostor.example"))
    assert tls_server.requests == []


async def test_safe_client__instances_with_different_settings_coexist(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    server.route("/actor", as2())
    lenient = make_client(allow_list=LOOPBACK)
    strict = make_client()

    assert (await lenient.fetch_object(server.url("/actor"))).document == NOTE
    with pytest.raises(ForbiddenAddress):
        await strict.fetch_object(server.url("/actor"))


async def test_safe_client__closes_as_async_context_manager(server: LoopbackServer) -> None:
    from federation.safe_client import create_safe_client

    server.route("/actor", as2())
    async with create_safe_client(user_agent="t", allow_list=LOOPBACK) as client:
        assert (await client.fetch_object(server.url("/actor"))).document == NOTE


def test_create_safe_client__malformed_allow_list_entry_raises_value_error() -> None:
    from federation.safe_client import create_safe_client

    with pytest.raises(ValueError, match=r"'10\.0\.0\.1/8'"):
        create_safe_client(user_agent="t", allow_list=["10.0.0.1/8"])


def test_fetch_limits__non_positive_values_are_refused() -> None:
    with pytest.raises(ValueError, match="total_timeout"):
        FetchLimits(total_timeout=0)


async def test_fetch__truncated_gzip_body_raises_bad_response(
    make_client: MakeClient, server: LoopbackServer
) -> None:
    body = gzip.compress(json.dumps(NOTE).encode())[:-6]
    server.route(
        "/actor", Reply(headers=[("Content-Type", AS2), ("Content-Encoding", "gzip")], body=body)
    )
    client = make_client(allow_list=LOOPBACK)
    with pytest.raises(BadResponse, match="decompress"):
        await client.fetch_object(server.url("/actor"))


async def test_safe_transport__vets_addresses_for_a_plain_httpx_client(
    server: LoopbackServer, connects: list[tuple[str, int]]
) -> None:
    server.route("/actor", as2())
    async with httpx.AsyncClient(transport=SafeTransport(AddressPolicy())) as plain:
        with pytest.raises(ForbiddenAddress):
            await plain.get(server.url("/actor"))
    async with httpx.AsyncClient(transport=SafeTransport(AddressPolicy(LOOPBACK))) as plain:
        assert (await plain.get(server.url("/actor"))).json() == NOTE
    assert connects == [("127.0.0.1", server.port)]


def test_exports__safe_client_module_re_exports_the_package_api() -> None:
    import federation.net
    import federation.safe_client

    assert federation.safe_client.__all__ == federation.net.__all__
    for name in federation.net.__all__:
        assert getattr(federation.safe_client, name) is getattr(federation.net, name)
