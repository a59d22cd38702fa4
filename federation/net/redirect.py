"""Hops: which URLs may be requested, and how a redirect turns into the next request.

Redirects are never followed by httpx; the client asks ``next_hop`` for each one, so every hop
goes through the same URL, host-policy and address checks as the first request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import httpx

from federation.net.addresses import normalize_host
from federation.net.errors import ForbiddenURL, TooManyRedirects

__all__ = ["Hop", "check_url", "next_hop", "parse_url", "same_origin", "too_many_redirects"]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Never carried to another origin: they authenticate us (or the caller) to the first one.
_CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "signature",
    "signature-input",
)
# Describe a body; dropped with it when a redirect turns the request into a GET.
_BODY_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "digest",
    "content-digest",
)


@dataclass(frozen=True, slots=True)
class Hop:
    """One request of a (possibly redirected) exchange."""

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None
    auth: httpx.Auth | None


def parse_url(text: str, *, base: httpx.URL | None = None, context: str = "") -> httpx.URL:
    """Parse (or resolve against ``base``) a URL, without its fragment; ``ForbiddenURL`` if bad."""
    try:
        url = base.join(text) if base is not None else httpx.URL(text)
    except httpx.InvalidURL as exc:
        where = f" ({context})" if context else ""
        raise ForbiddenURL(f"refusing {text!r}{where}: not a valid URL: {exc}", url=text) from exc
    return url.copy_with(fragment=None)


def check_url(url: httpx.URL, *, via: str | None = None) -> str:
    """The normalised host of ``url`` if we may request it at all, else ``ForbiddenURL``.

    ``via`` names the URL that redirected here, for the error message.
    """
    hop = str(url)
    where = f"{hop} (redirect from {via})" if via else hop
    if url.scheme not in _DEFAULT_PORTS:
        raise ForbiddenURL(f"refusing {where}: only http and https URLs are fetched", url=hop)
    if url.userinfo:
        raise ForbiddenURL(f"refusing {where}: URLs with credentials are not fetched", url=hop)
    host = normalize_host(url.raw_host.decode("ascii"))
    if not host:
        raise ForbiddenURL(f"refusing {where}: the URL has no host", url=hop)
    return host


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    """Same scheme, host and port (default ports filled in)."""

    def origin(url: httpx.URL) -> tuple[str, str, int]:
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
        return url.scheme, normalize_host(url.raw_host.decode("ascii")), port

    return origin(a) == origin(b)


def next_hop(hop: Hop, response: httpx.Response) -> Hop:
    """The request a redirect ``response`` to ``hop`` leads to.

    303 (and 301/302 after POST) become a GET without body, as browsers and httpx do; 307/308
    repeat the method and body. Leaving the origin drops the auth and credential headers.
    """
    target = parse_url(
        response.headers["location"], base=hop.url, context=f"redirect from {hop.url}"
    )
    method, content, headers = hop.method, hop.content, hop.headers.copy()
    status = response.status_code
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, content = "GET", None
    if content is None:
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    auth = hop.auth
    if not same_origin(target, hop.url):
        auth = None
        for name in _CREDENTIAL_HEADERS:
            headers.pop(name, None)
    return dataclasses.replace(
        hop, method=method, url=target, headers=headers, content=content, auth=auth
    )


def too_many_redirects(
    chain: list[str], target: str, limit: int, *, loop: bool
) -> TooManyRedirects:
    path = " -> ".join([*chain, target])
    what = "redirect loop" if loop else f"more than {limit} redirects"
    return TooManyRedirects(f"gave up: {what}: {path}", chain=tuple(chain), url=target)
