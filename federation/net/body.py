"""Reading a response body without ever holding more than the size limit.

The limit applies to the bytes on the wire (checked against Content-Length before reading, then
while streaming) and to the decoded body. We only advertise gzip and decompress it ourselves
with a bounded output size, so a small compressed body cannot expand past the limit in memory.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import httpx

from federation.net.errors import BadResponse, ResponseTooLarge

__all__ = ["ACCEPT_ENCODING", "read_body"]

ACCEPT_ENCODING = "gzip"


class _Decoder(Protocol):
    def feed(self, data: bytes, max_out: int) -> bytes: ...

    def finish(self) -> bytes: ...


class _Identity:
    def feed(self, data: bytes, max_out: int) -> bytes:
        return data

    def finish(self) -> bytes:
        return b""


class _Gunzip:
    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes, max_out: int) -> bytes:
        # Output stops at max_out; callers pass limit-so-far + 1, so hitting the cap means
        # the body is too large and the unconsumed input never needs inflating.
        return self._inflate.decompress(data, max_out)

    def finish(self) -> bytes:
        tail = self._inflate.flush()
        if not self._inflate.eof:
            raise zlib.error("gzip stream is truncated")
        return tail


def _decoder_for(response: httpx.Response, url: str) -> _Decoder:
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if codings in (["gzip"], ["x-gzip"]):
        return _Gunzip()
    raise BadResponse(
        f"{url} answered with Content-Encoding {header!r}; only gzip is supported "
        f"(we sent Accept-Encoding: {ACCEPT_ENCODING})",
        status=response.status_code,
        url=url,
    )


def _too_large(url: str, limit: int, detail: str) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"response from {url} is too large: {detail}; the limit is {limit} bytes",
        limit=limit,
        url=url,
    )


async def read_body(response: httpx.Response, *, limit: int, url: str) -> bytes:
    """The decoded body of a streamed ``response``, or ``ResponseTooLarge`` past ``limit``.

    Stops reading as soon as the limit is passed; the caller closes the response.
    """
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(url, limit, f"it declares Content-Length {int(declared)}")
    decoder = _decoder_for(response, url)
    received = 0
    size = 0
    parts: list[bytes] = []
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > limit:
                raise _too_large(url, limit, f"more than {limit} bytes received")
            part = decoder.feed(chunk, limit - size + 1)
            size += len(part)
            if size > limit:
                raise _too_large(url, limit, f"it decompresses to more than {limit} bytes")
            parts.append(part)
        part = decoder.finish()
    except zlib.error as exc:
        raise BadResponse(
            f"could not decompress the gzip body from {url}: {exc}",
            status=response.status_code,
            url=url,
        ) from exc
    size += len(part)
    if size > limit:
        raise _too_large(url, limit, f"it decompresses to more than {limit} bytes")
    parts.append(part)
    return b"".join(parts)
