"""Partner co-ops: who this co-op follows and who follows it (members see both); admins also
follow a co-op by handle, unfollow, answer follow requests, switch auto-accept and post an
announcement. The partner feed shows what followed co-ops publish: their questions (with the
result once closed) and notes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed import partners
from coopfed.context import AppContext
from coopfed.web.actions import admin_action
from coopfed.web.forms import Form, posted
from coopfed.web.guards import require_admin
from coopfed.web.pages.proposals import require_admitted
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import ctx_of, db_of
from federation import publishing
from federation.feed import service as feed
from federation.follow import service as follows
from federation.policy import load_config

PAGE = "/partners"
FEED = "/partners/feed"
FEED_SHOWN = 50


async def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    params: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    seen = await partners.overview(db)
    return await render(
        request,
        "partners/index.html",
        {
            "overview": seen,
            "handle": f"@coop@{partners.urls_of(ctx_of(request)).domain}",
            "form": form or {},
            "error": error,
            "params": params or {},
        },
        status=status,
    )


async def partners_page(request: Request) -> Response:
    await require_admitted(request)
    return await _page(request)


async def follow_coop(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        await partners.follow(ctx, db, form.stripped("handle"), by=by)

    return await admin_action(request, step, page=_page, to=PAGE, notice="follow_sent")


async def unfollow_coop(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        await partners.unfollow(ctx, db, form.stripped("actor"), by=by)

    return await admin_action(request, step, page=_page, to=PAGE, notice="unfollowed")


def _follower_action(action: str) -> Any:
    steps = {
        "approve": (follows.approve, "follower_approved"),
        "reject": (follows.reject, "follower_rejected"),
        "remove": (follows.remove_follower, "follower_removed"),
    }
    answer, notice = steps[action]

    async def endpoint(request: Request) -> Response:
        follower_id = int(request.path_params["follower_id"])

        async def step(ctx: AppContext, db: AsyncSession, _form: Form, by: int) -> None:
            await answer(db, follower_id, urls=partners.urls_of(ctx), now=ctx.clock.now(), by=by)

        return await admin_action(request, step, page=_page, to=PAGE, notice=notice)

    return endpoint


async def save_settings(request: Request) -> Response:
    admin = await require_admin(request)
    _who, form = await posted(request)
    ctx, db = ctx_of(request), db_of(request)
    accept = form.get("auto_accept") == "on"
    config = await load_config(db)
    if config is None or config.auto_accept_follows != accept:
        await ctx.policy.set_auto_accept_follows(db, accept, by=admin.id, now=ctx.clock.now())
        await db.commit()
    return redirect(request, PAGE, notice="partners_saved")


async def announce(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        text = form.get("text") or ""
        await publishing.publish_note(
            db, text, urls=partners.urls_of(ctx), now=ctx.clock.now(), by=by
        )

    return await admin_action(request, step, page=_page, to=PAGE, notice="announcement_sent")


async def feed_page(request: Request) -> Response:
    await require_admitted(request)
    db = db_of(request)
    items = await feed.recent(db, limit=FEED_SHOWN)
    return await render(request, "partners/feed.html", {"items": [item for _row, item in items]})


routes = [
    Route(PAGE, partners_page, methods=["GET"]),
    Route(PAGE + "/follow", follow_coop, methods=["POST"]),
    Route(PAGE + "/unfollow", unfollow_coop, methods=["POST"]),
    Route(PAGE + "/settings", save_settings, methods=["POST"]),
    Route(PAGE + "/announce", announce, methods=["POST"]),
    *(
        Route(
            PAGE + f"/followers/{{follower_id:int}}/{action}",
            _follower_action(action),
            methods=["POST"],
        )
        for action in ("approve", "reject", "remove")
    ),
    Route(FEED, feed_page, methods=["GET"]),
]
