"""The member directory, for members."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.guards import require_member
from coopfed.web.templating import render
from coopfed.web.viewer import db_of
from governance import member as members
from governance import membership_class
from governance.member import Status


async def directory(request: Request) -> Response:
    await require_member(request)
    db = db_of(request)
    classes = {c.id: c for c in await membership_class.list_all(db)}
    return await render(
        request,
        "members.html",
        {"members": await members.list_all(db, status=Status.MEMBER), "classes": classes},
    )


routes = [Route("/members", directory, methods=["GET"])]
