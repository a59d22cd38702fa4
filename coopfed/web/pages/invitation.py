"""Accepting an invitation: the invitee picks a username and password and becomes an applicant."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.errors import error_page
from coopfed.web.forms import PASSWORDS_DIFFER, posted
from coopfed.web.pages.signin import open_session_for, start_session
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import ctx_of, db_of
from governance import invitation
from governance import member as members
from governance.errors import GovernanceError

STATUS = {"invitation_invalid": 404, "invitation_used": 409, "invitation_expired": 410}


async def accept_form(request: Request) -> Response:
    secret = request.path_params["token"]
    db = db_of(request)
    try:
        found = await invitation.lookup(db, secret, now=ctx_of(request).clock.now())
    except GovernanceError as exc:
        return await error_page(request, STATUS.get(exc.code, 409), exc.template, exc.params)
    invitee = await members.get(db, found.member_id)
    form = {
        "display_name": invitee.display_name,
        "username": invitee.username,
        "language": invitee.language,
    }
    return await render(
        request, "invite.html", {"token": secret, "invitee": invitee, "form": form, "error": None}
    )


async def accept_submit(request: Request) -> Response:
    secret = request.path_params["token"]
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    error: str | None = None
    params: dict[str, object] = {}
    status = 422
    if form.get("password") != form.get("password_confirm"):
        error = PASSWORDS_DIFFER
    else:
        try:
            member = await invitation.accept(
                db,
                secret,
                password=form.get("password"),
                display_name=form.get("display_name"),
                username=form.get("username"),
                language=form.get("language", "en"),
                hasher=ctx.hasher,
                now=ctx.clock.now(),
            )
            cookie = await open_session_for(request, member)
            await db.commit()
        except GovernanceError as exc:
            await db.rollback()
            if exc.code in STATUS:
                return await error_page(request, STATUS[exc.code], exc.template, exc.params)
            error, params = exc.template, exc.params
            status = 409 if exc.code == "username_taken" else 422
        else:
            response = redirect(request, "/", notice="invitation_accepted")
            start_session(request, response, cookie)
            return response
    found = await invitation.lookup(db, secret, now=ctx.clock.now())
    invitee = await members.get(db, found.member_id)
    return await render(
        request,
        "invite.html",
        {
            "token": secret,
            "invitee": invitee,
            "form": form.values,
            "error": error,
            "params": params,
        },
        status=status,
    )


routes = [
    Route("/invite/{token}", accept_form, methods=["GET"]),
    Route("/invite/{token}", accept_submit, methods=["POST"]),
]
