"""A member's notifications: voting opened, closing soon, result out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.forms import posted
from coopfed.web.guards import require_member
from coopfed.web.pages.proposals import page
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance import notification
from governance.proposal import service


async def notification_list(request: Request) -> Response:
    me = await require_member(request)
    db = db_of(request)
    items = []
    for item in await notification.for_member(db, me.id, limit=100):
        proposal = await service.get(db, item.proposal_id) if item.proposal_id else None
        items.append((item, proposal))
    return await page(
        request,
        "notifications.html",
        {"items": items, "unread": any(item.read_at is None for item, _p in items)},
    )


async def notifications_read(request: Request) -> Response:
    me = await require_member(request)
    await posted(request)
    db = db_of(request)
    await notification.mark_all_read(db, me.id, now=ctx_of(request).clock.now())
    await db.commit()
    return redirect(request, "/notifications", notice="notifications_read")


routes = [
    Route("/notifications", notification_list, methods=["GET"]),
    Route("/notifications/read", notifications_read, methods=["POST"]),
]
