"""The view of an HTTP message that both signature schemes read.

`HttpMessage.request(method, url, headers)` splits the target URI once and indexes the
header fields by lowercased name, keeping each field line (RFC 9421 section 2.1 combines
them with ", " after trimming each line).

`url` must be the target URI as the *sender* addressed it: behind a reverse proxy, pass the
public URL (scheme and host as the peer saw them), not the upstream one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeAlias, cast
from urllib.parse import quote, unquote_plus

from federation.httpsig.errors import MalformedSignature

__all__ = ["HeaderInput", "HttpMessage", "MultiItemHeaders"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^?#]*)(\?[^#]*)?(?:#.*)?", re.DOTALL)
_PORT = re.compile(r"|[0-9]{1,5}")


class MultiItemHeaders(Protocol):
    """Headers that expose every field line, like `httpx.Headers` and Starlette's `Headers`."""

    def multi_items(self) -> list[tuple[str, str]]: ...


HeaderInput: TypeAlias = (
    MultiItemHeaders | Mapping[str, str] | Iterable[tuple[str, str] | tuple[bytes, bytes]]
)


def _pairs(headers: HeaderInput) -> Iterable[tuple[str, str] | tuple[bytes, bytes]]:
    if isinstance(headers, list | tuple):
        return headers
    multi_items = getattr(headers, "multi_items", None)
    if callable(multi_items):
        return cast(list[tuple[str, str]], multi_items())
    if isinstance(headers, Mapping):
        return headers.items()
    return cast(Iterable[tuple[str, str] | tuple[bytes, bytes]], headers)


def _index_fields(
    headers: HeaderInput,
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Field values by lowercased name, combined with ", " (RFC 9421 section 2.1) after
    trimming each line; and, for the few fields sent on several lines, the lines."""
    pairs = _pairs(headers)
    if type(pairs) is list:
        # Fast path: text pairs, each name once (the usual case) - a comprehension, then a
        # length check that proves no name was repeated.
        try:
            combined = {name.lower(): value.strip(" \t") for name, value in pairs}
        except TypeError:  # bytes pairs, as in an ASGI scope
            pass
        else:
            if len(combined) == len(pairs) and all(type(key) is str for key in combined):
                return combined, {}
    combined = {}
    repeated: dict[str, list[str]] = {}
    for name, value in pairs:
        if type(name) is bytes:
            name = name.decode("latin-1")
        if type(value) is bytes:
            value = value.decode("latin-1")
        key = cast(str, name).lower()
        # RFC 9110 section 5.5: leading and trailing whitespace is not part of the value.
        line = cast(str, value).strip(" \t")
        previous = combined.get(key)
        if previous is None:
            combined[key] = line
        else:
            combined[key] = f"{previous}, {line}"
            lines = repeated.get(key)
            if lines is None:
                repeated[key] = [previous, line]
            else:
                lines.append(line)
    return combined, repeated


class HttpMessage:
    """A request (method, target URI, fields) or a response (status, fields)."""

    __slots__ = (
        "_fields",
        "_repeated",
        "authority",
        "derived",
        "method",
        "path",
        "query",
        "scheme",
        "status",
        "target_uri",
    )

    def __init__(
        self,
        *,
        method: str | None,
        url: str | None,
        status: int | None,
        headers: HeaderInput,
    ) -> None:
        self.method = method
        self.status = status
        self._fields, self._repeated = _index_fields(headers)
        self.scheme = self.authority = self.path = self.target_uri = ""
        self.query: str | None = None
        # Derived components (RFC 9421 section 2.2) that take no parameter, by name.
        self.derived: dict[str, str]
        if url is not None:
            self._split_url(url)
        if method is not None:
            query = self.query
            self.derived = {
                "@method": method,
                "@target-uri": self.target_uri,
                "@authority": self.authority,
                "@scheme": self.scheme,
                "@request-target": self.path if query is None else f"{self.path}?{query}",
                "@path": self.path,
                "@query": "?" if query is None else "?" + query,
            }
        else:
            self.derived = {}
        if status is not None:
            self.derived["@status"] = str(status)

    @classmethod
    def request(cls, method: str, url: str, headers: HeaderInput) -> HttpMessage:
        """A request view; `url` is the absolute target URI (`https://host/path?query`).

        Raises `MalformedSignature` if `url` is not an absolute http(s) URI.
        """
        return cls(method=method, url=url, status=None, headers=headers)

    @classmethod
    def response(cls, status: int, headers: HeaderInput) -> HttpMessage:
        """A response view, for signatures that cover `@status` and fields."""
        return cls(method=None, url=None, status=status, headers=headers)

    def _split_url(self, url: str) -> None:
        # A regular expression rather than urlsplit(): this runs for every inbox request,
        # and urlsplit plus its hostname/port properties parse the netloc three times.
        match = _URL.fullmatch(url)
        if match is None:
            raise MalformedSignature(f"not an absolute http(s) URL: {url!r}")
        scheme_text, netloc, path, query = match.groups()
        scheme = scheme_text.lower()
        hostport = netloc.rpartition("@")[2]
        if hostport.startswith("["):
            host, _, rest = hostport.partition("]")
            host += "]"
            port_text = rest[1:] if rest.startswith(":") else rest
        else:
            host, _, port_text = hostport.partition(":")
        if (
            scheme not in _DEFAULT_PORTS
            or host in ("", "[]")
            or not _PORT.fullmatch(port_text)
            or (port_text and int(port_text) > 65535)
        ):
            raise MalformedSignature(f"not an absolute http(s) URL: {url!r}")
        host = host.lower()
        # RFC 9421 section 2.2.3: lowercased host, port only when it is not the default.
        if port_text and int(port_text) != _DEFAULT_PORTS[scheme]:
            self.authority = f"{host}:{int(port_text)}"
        else:
            self.authority = host
        self.scheme = scheme
        self.path = path or "/"
        # An empty query ("/path?") still has a query: "@query" is then "?" either way, but
        # "@target-uri" keeps the "?" the sender wrote.
        self.query = None if query is None else query[1:]
        self.target_uri = f"{scheme}://{hostport}{self.path}{query or ''}"

    @property
    def request_target(self) -> str:
        """Path and query, as on an HTTP/1.1 request line (origin-form)."""
        return self.path if self.query is None else f"{self.path}?{self.query}"

    def field(self, name: str) -> str | None:
        """The combined value of field `name` (lowercase), or None if absent."""
        return self._fields.get(name)

    def field_lines(self, name: str) -> list[str] | None:
        """Each line of field `name` (lowercase) in order, or None if absent."""
        lines = self._repeated.get(name)
        if lines is not None:
            return list(lines)
        value = self._fields.get(name)
        return None if value is None else [value]

    def has_field(self, name: str) -> bool:
        """Whether field `name` (lowercase) is present."""
        return name in self._fields

    def query_param(self, encoded_name: str) -> str:
        """The `@query-param` value for `encoded_name` (RFC 9421 section 2.2.8).

        Names and values are decoded as `application/x-www-form-urlencoded`, then encoded
        again with percent-encoding (a space as `%20`). A missing or repeated parameter is
        a `MalformedSignature`.
        """
        found: list[str] = []
        for pair in (self.query or "").split("&"):
            if not pair:
                continue
            raw_name, _, raw_value = pair.partition("=")
            if _reencode(unquote_plus(raw_name)) == encoded_name:
                found.append(_reencode(unquote_plus(raw_value)))
        if len(found) != 1:
            problem = "absent" if not found else "repeated"
            raise MalformedSignature(f"query parameter {encoded_name!r} is {problem}")
        return found[0]


def _reencode(text: str) -> str:
    # The WHATWG urlencoded percent-encode set leaves only ASCII alphanumerics and *-._
    # unescaped; quote() also spares "~", so escape it by hand.
    return quote(text, safe="*").replace("~", "%7E")
