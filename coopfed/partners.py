"""Partner co-ops, as the web page, the API and the CLI use them: following a co-op by handle
or URL, unfollowing, answering follow requests, and what the partner page lists.

Network work (WebFinger, fetching the actor) happens with no transaction open, so that on
SQLite the fetcher's own writes (it stores the actor it fetched) never wait for ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.context import AppContext
from federation import finger
from federation.actor import COOP_NAME, LocalUrls
from federation.follow import service as follows
from federation.follow.model import Follower, Following, FollowState
from federation.models import RemoteActor
from federation.policy import load_config
from federation.remote import KeyUnavailable, authority_of
from governance.errors import Conflict
from governance.i18n import N_

__all__ = ["FederationUnavailable", "Overview", "follow", "overview", "unfollow", "urls_of"]


class FederationUnavailable(Conflict):
    code = "federation_unavailable"


def urls_of(ctx: AppContext) -> LocalUrls:
    return LocalUrls.of(ctx.settings.effective_base_url)


def _is_ours(text: str, urls: LocalUrls) -> bool:
    handle = finger.parse_handle(text)
    if handle is not None:
        return handle[1] == urls.domain
    return authority_of(text.strip()) == urls.domain


async def follow(ctx: AppContext, db: AsyncSession, text: str, *, by: int | None) -> Following:
    """Follow the co-op ``text`` names (``@coop@host``, or its actor URL)."""
    urls = urls_of(ctx)
    if _is_ours(text, urls):
        raise follows.FollowsYourself(
            N_("A co-op cannot follow itself or another actor of its own instance.")
        )
    remote = ctx.remote
    if remote is None:
        raise FederationUnavailable(N_("Federation is not running in this process."))
    await db.commit()  # no transaction open while fetching (see the module doc)
    target = await finger.resolve(
        text,
        client=remote.client,
        fetch_actor=remote.fetch_actor,
        scheme=urlsplit(urls.base_url).scheme,
    )
    row = await follows.follow(db, target, urls=urls, now=ctx.clock.now(), by=by)
    await db.commit()
    return row


async def _inbox_of(ctx: AppContext, db: AsyncSession, actor_uri: str) -> str:
    stored = await db.scalar(select(RemoteActor.inbox).where(RemoteActor.uri == actor_uri))
    if stored is not None:
        return stored
    remote = ctx.remote
    if remote is None:
        raise FederationUnavailable(N_("Federation is not running in this process."))
    await db.commit()
    try:
        return (await remote.fetch_actor(actor_uri)).inbox
    except KeyUnavailable as error:
        raise finger.UnknownHandle(
            N_("No co-op answers to %(handle)s: %(reason)s"),
            handle=actor_uri,
            reason=error.message,
        ) from error


async def unfollow(ctx: AppContext, db: AsyncSession, actor_uri: str, *, by: int | None) -> None:
    """Stop following ``actor_uri`` (or withdraw a pending request)."""
    await follows.get_following(db, COOP_NAME, actor_uri)  # FollowingNotFound before any fetch
    inbox = await _inbox_of(ctx, db, actor_uri)
    await follows.unfollow(
        db, actor_uri, inbox=inbox, urls=urls_of(ctx), now=ctx.clock.now(), by=by
    )
    await db.commit()


async def find_following(db: AsyncSession, text: str) -> str:
    """The actor URI of a followed co-op given by URI or handle (as stored when followed)."""
    text = text.strip()
    handle = finger.parse_handle(text)
    if handle is not None:
        wanted = f"@{handle[0]}@{handle[1]}"
        uri = await db.scalar(select(Following.actor_uri).where(Following.handle == wanted))
        if uri is not None:
            return uri
        raise follows.FollowingNotFound(N_("This co-op does not follow %(actor)s."), actor=text)
    return text


@dataclass(frozen=True)
class Overview:
    """What the partner page shows."""

    following: list[Following]
    followers: list[Follower]
    requests: list[Follower]  # pending follow requests
    auto_accept: bool


async def overview(db: AsyncSession, *, limit: int = 200) -> Overview:
    following = await follows.following_page(db, COOP_NAME, state=None, size=limit)
    followers = await follows.followers_page(db, COOP_NAME, state=FollowState.ACCEPTED, size=limit)
    requests = await follows.followers_page(db, COOP_NAME, state=FollowState.PENDING, size=limit)
    config = await load_config(db)
    return Overview(
        following=following.items,
        followers=followers.items,
        requests=requests.items,
        auto_accept=config.auto_accept_follows if config is not None else True,
    )
