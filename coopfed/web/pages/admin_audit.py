"""Admin: the audit log of admin actions and sign-ins."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.guards import require_admin
from coopfed.web.templating import render
from coopfed.web.viewer import db_of
from governance import audit
from governance import member as members

PAGE_SIZE = 50


async def audit_log(request: Request) -> Response:
    await require_admin(request)
    db = db_of(request)
    raw_before = request.query_params.get("before", "")
    before = int(raw_before) if raw_before.isdigit() else None
    events = await audit.page(db, limit=PAGE_SIZE, before_id=before)
    names = {m.id: m.display_name for m in await members.list_all(db)}
    return await render(
        request,
        "admin/audit.html",
        {
            "events": events,
            "names": names,
            "next_before": events[-1].id if len(events) == PAGE_SIZE else None,
        },
    )


routes = [Route("/admin/audit", audit_log, methods=["GET"])]
