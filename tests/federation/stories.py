"""Steps the three-instance stories share: following through the partner page, opening and
closing public proposals through the proposal pages, reading what an instance stored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from coopfed.context import AppContext
from federation.delivery.model import Delivery, DeliveryStatus
from federation.feed.model import RemoteObject
from federation.follow.model import Follower, Following
from federation.models import InboxItem
from tests.federation.conftest import Node, post_form
from tests.helpers import csrf_of

VALUE_RE = r'name="{name}"[^>]*value="([^"]*)"'


def follow(follower: Node, followed: Node, handle: str | None = None) -> httpx.Response:
    """The follower's admin follows ``followed`` from the partner page."""
    assert follower.admin is not None
    return post_form(
        follower.admin,
        "/partners/follow",
        {"handle": handle or followed.handle},
        page="/partners",
    )


def settle(*nodes: Node, rounds: int = 3) -> None:
    """Step each instance's worker a few rounds, in turn, so that activities travel and are
    processed (a Follow out, its Accept back, and so on)."""
    for _ in range(rounds):
        for node in nodes:
            node.step()


def _field(html: str, name: str) -> str:
    found = re.search(VALUE_RE.format(name=re.escape(name)), html)
    assert found, f"no field {name} in the page"
    return found.group(1)


def open_public_proposal(node: Node, title: str, body: str = "We **should**.") -> int:
    """Draft a public ordinary proposal and schedule it with the form's defaults (it opens
    within a minute, closes 48 hours later); returns its id. The worker opens it."""
    admin = node.admin
    assert admin is not None
    created = post_form(
        admin,
        "/proposals",
        {"kind": "ordinary", "title": title, "body": body, "public": "on"},
        page="/proposals/new?kind=ordinary",
    )
    assert created.status_code == 303, created.text
    proposal_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = admin.get(f"/proposals/{proposal_id}")
    scheduled = admin.post(
        f"/proposals/{proposal_id}/schedule",
        data={
            "csrf_token": csrf_of(page.text),
            "opens_at": _field(page.text, "opens_at"),
            "closes_at": _field(page.text, "closes_at"),
        },
    )
    assert scheduled.status_code == 303, scheduled.text
    node.clock.advance(timedelta(minutes=1))
    return proposal_id


def vote_yes(node: Node, proposal_id: int) -> None:
    assert node.admin is not None
    response = post_form(
        node.admin,
        f"/proposals/{proposal_id}/ballot",
        {"vote": "yes"},
        page=f"/proposals/{proposal_id}",
    )
    assert response.status_code == 200, response.text


VOTING = timedelta(hours=48, minutes=1)


def count(node: Node, model: Any, *where: Any) -> int:
    async def work(ctx: AppContext) -> int:
        async with ctx.session() as db:
            return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return node.call(work)


def rows(node: Node, model: Any, *where: Any) -> list[Any]:
    async def work(ctx: AppContext) -> list[Any]:
        async with ctx.session() as db:
            found = list(await db.scalars(select(model).where(*where).order_by(model.id)))
            for row in found:
                db.expunge(row)
            return found

    return node.call(work)


def followers_of(node: Node) -> list[Follower]:
    return rows(node, Follower)


def following_of(node: Node) -> list[Following]:
    return rows(node, Following)


def feed_of(node: Node) -> list[RemoteObject]:
    return rows(node, RemoteObject)


def inbox_of(node: Node, *where: Any) -> list[InboxItem]:
    return rows(node, InboxItem, *where)


def pending_deliveries(node: Node) -> int:
    return count(node, Delivery, Delivery.status == DeliveryStatus.PENDING)


__all__ = [
    "VOTING",
    "count",
    "feed_of",
    "follow",
    "followers_of",
    "following_of",
    "inbox_of",
    "open_public_proposal",
    "pending_deliveries",
    "rows",
    "settle",
    "vote_yes",
]
