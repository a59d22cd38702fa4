"""Password reset through an admin-issued one-time link."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.auth import web_session
from coopfed.web.errors import error_page
from coopfed.web.forms import PASSWORDS_DIFFER, posted
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import SESSION_COOKIE, ctx_of, db_of
from governance import password_reset
from governance.errors import GovernanceError

STATUS = {"reset_invalid": 404, "reset_used": 409, "reset_expired": 410}


async def reset_form(request: Request) -> Response:
    secret = request.path_params["token"]
    try:
        await password_reset.lookup(db_of(request), secret, now=ctx_of(request).clock.now())
    except GovernanceError as exc:
        return await error_page(request, STATUS.get(exc.code, 409), exc.template, exc.params)
    return await render(request, "reset.html", {"token": secret, "error": None})


async def reset_submit(request: Request) -> Response:
    secret = request.path_params["token"]
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    if form.get("password") != form.get("password_confirm"):
        return await render(
            request,
            "reset.html",
            {"token": secret, "error": PASSWORDS_DIFFER, "params": {}},
            status=422,
        )
    try:
        member = await password_reset.complete(
            db, secret, password=form.get("password"), hasher=ctx.hasher, now=ctx.clock.now()
        )
        await web_session.close_all(db, member.id)
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        if exc.code in STATUS:
            return await error_page(request, STATUS[exc.code], exc.template, exc.params)
        return await render(
            request,
            "reset.html",
            {"token": secret, "error": exc.template, "params": exc.params},
            status=422,
        )
    response = redirect(request, "/signin", notice="password_changed")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/reset/{token}", reset_form, methods=["GET"]),
    Route("/reset/{token}", reset_submit, methods=["POST"]),
]
