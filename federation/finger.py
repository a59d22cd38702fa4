"""Finding a remote co-op to follow from what an admin types: ``@coop@host`` or a URL.

A handle (``@coop@host``, ``coop@host`` or ``acct:coop@host``) is looked up with WebFinger
(RFC 7033) at ``https://host/.well-known/webfinger`` through the safe client, and its
``self`` link (an ActivityPub actor) is then fetched; an http(s) URL is fetched as the actor
directly. The WebFinger request uses this instance's own scheme: a co-op served over https
asks https, and a development or test instance on plain http asks http.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote

from federation.follow.service import FollowTarget
from federation.net import SafeClient, SafeClientError
from federation.remote import KeyUnavailable, ParsedActor, RemoteError, authority_of
from governance.errors import InvalidInput, NotFound
from governance.i18n import N_

__all__ = ["InvalidHandle", "UnknownHandle", "parse_handle", "resolve"]

_HANDLE: Final = re.compile(
    r"^@?([A-Za-z0-9_.~%+-]{1,255})@([A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?)$"
)
_ACTOR_LINK_TYPES: Final = ("application/activity+json", "application/ld+json")

FetchActor = Callable[[str], Awaitable[ParsedActor]]


class InvalidHandle(InvalidInput):
    code = "invalid_handle"


class UnknownHandle(NotFound):
    code = "unknown_handle"


def parse_handle(text: str) -> tuple[str, str] | None:
    """``(user, host)`` of ``@user@host``, ``user@host`` or ``acct:user@host``; else None."""
    value = text.strip().removeprefix("acct:")
    found = _HANDLE.match(value)
    if found is None:
        return None
    return found.group(1), found.group(2).lower()


def _self_link(document: dict[str, Any]) -> str | None:
    links = document.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        media = str(link.get("type", "")).split(";")[0].strip().lower()
        href = link.get("href")
        if media in _ACTOR_LINK_TYPES and isinstance(href, str):
            return href
    return None


async def resolve(
    text: str, *, client: SafeClient, fetch_actor: FetchActor, scheme: str = "https"
) -> FollowTarget:
    """The actor ``text`` names. Raises ``InvalidHandle`` for text that is neither a handle
    nor an http(s) URL, ``UnknownHandle`` when nothing usable answers."""
    text = text.strip()
    handle: str | None = None
    if authority_of(text) is not None:
        actor_url = text
    else:
        parsed = parse_handle(text)
        if parsed is None:
            raise InvalidHandle(
                N_("'%(text)s' is neither a handle like @coop@example.org nor an http(s) URL."),
                text=text[:200],
            )
        user, host = parsed
        handle = f"@{user}@{host}"
        resource = quote(f"acct:{user}@{host}", safe=":@")
        url = f"{scheme}://{host}/.well-known/webfinger?resource={resource}"
        try:
            result = await client.fetch_json(
                url,
                accept="application/jrd+json, application/json;q=0.9",
                content_types=("application/jrd+json", "application/json"),
            )
        except SafeClientError as error:
            raise UnknownHandle(
                N_("No co-op answers to %(handle)s: %(reason)s"),
                handle=handle,
                reason=error.message,
            ) from error
        link = _self_link(result.document or {})
        if link is None:
            raise UnknownHandle(
                N_("No co-op answers to %(handle)s: %(reason)s"),
                handle=handle,
                reason="its WebFinger document links no ActivityPub actor",
            )
        actor_url = link
    try:
        actor = await fetch_actor(actor_url)
    except (RemoteError, SafeClientError) as error:
        reason = (
            error.message if isinstance(error, KeyUnavailable | SafeClientError) else str(error)
        )
        raise UnknownHandle(
            N_("No co-op answers to %(handle)s: %(reason)s"),
            handle=handle or actor_url,
            reason=reason,
        ) from error
    if handle is None and actor.preferred_username:
        handle = f"@{actor.preferred_username}@{actor.host}"
    return FollowTarget(uri=actor.uri, inbox=actor.inbox, handle=handle)
