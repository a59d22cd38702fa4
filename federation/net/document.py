"""Which responses count as federation documents, and turning them into JSON objects."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import httpx

from federation.net.errors import BadContentType, BadResponse

__all__ = [
    "ACTIVITY_CONTENT_TYPES",
    "AS_PROFILE",
    "LENIENT_ACTIVITY_CONTENT_TYPES",
    "OBJECT_ACCEPT",
    "check_document_response",
    "media_type",
    "parse_json_object",
]

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
OBJECT_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
# application/ld+json is accepted with any profile (or none): servers differ in what they send.
ACTIVITY_CONTENT_TYPES = frozenset({"application/activity+json", "application/ld+json"})
LENIENT_ACTIVITY_CONTENT_TYPES = frozenset({"application/json"})


def media_type(response: httpx.Response) -> str:
    """The response's media type, lower-case and without parameters ("" if absent)."""
    header: str = response.headers.get("content-type", "")
    return header.split(";", 1)[0].strip().lower()


def check_document_response(response: httpx.Response, url: str, accepted: Collection[str]) -> None:
    """Refuse, before reading the body, a non-2xx status or a media type not in ``accepted``."""
    status = response.status_code
    if not 200 <= status < 300:
        raise BadResponse(
            f"GET {url} answered HTTP {status} {response.reason_phrase}".rstrip(),
            status=status,
            url=url,
        )
    media = media_type(response)
    if media not in accepted:
        raise BadContentType(
            f"GET {url} returned Content-Type {media or '(none)'!r}; expected one of "
            f"{', '.join(sorted(accepted))}. The URL probably points at a web page rather "
            "than a federation document.",
            content_type=media,
            url=url,
        )


def parse_json_object(content: bytes, *, url: str, status: int) -> dict[str, Any]:
    """``content`` parsed as a JSON object, or ``BadResponse``."""
    try:
        document = json.loads(content)
    except (ValueError, RecursionError) as exc:  # includes bad UTF-8 and absurd nesting
        raise BadResponse(
            f"GET {url} returned invalid JSON: {exc}", status=status, url=url
        ) from exc
    if not isinstance(document, dict):
        raise BadResponse(
            f"GET {url} returned JSON {type(document).__name__}, not an object",
            status=status,
            url=url,
        )
    return document
