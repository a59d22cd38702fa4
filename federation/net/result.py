"""What a completed fetch returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FetchResult"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A completed exchange.

    ``headers`` is read-only, with lower-case names and repeated headers joined with ", ".
    ``url`` is the final URL after redirects and ``redirects`` the URLs that redirected, in
    order. ``content_type`` is the media type without parameters ("" if absent).
    ``document`` is the parsed JSON object for ``fetch_object``/``fetch_json`` (None for
    ``request``); ``lenient_content_type`` says it was accepted only as a lenient fallback
    (plain ``application/json`` for ActivityPub objects).
    """

    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes
    content_type: str = ""
    document: dict[str, Any] | None = None
    lenient_content_type: bool = False
    redirects: tuple[str, ...] = ()
