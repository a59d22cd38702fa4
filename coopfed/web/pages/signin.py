"""Signing in and out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.auth import web_session
from coopfed.web.forms import posted
from coopfed.web.guards import require_member
from coopfed.web.templating import redirect, render, safe_next, set_cookie
from coopfed.web.viewer import SESSION_COOKIE, client_ip, ctx_of, db_of, viewer
from governance import signin
from governance.i18n import N_
from governance.member import Member


async def open_session_for(request: Request, member: Member) -> str:
    """Open a browser session (not yet committed); returns the cookie secret."""
    ctx = ctx_of(request)
    opened = await web_session.open_session(
        db_of(request),
        member,
        now=ctx.clock.now(),
        lifetime=timedelta(days=ctx.settings.session_days),
        user_agent=request.headers.get("user-agent", ""),
        ip=client_ip(request),
    )
    return opened.secret


def start_session(request: Request, response: Response, secret: str) -> None:
    days = ctx_of(request).settings.session_days
    set_cookie(request, response, SESSION_COOKIE, secret, max_age=days * 86400)


async def signin_form(request: Request) -> Response:
    who = await viewer(request)
    next_url = safe_next(request.query_params.get("next"))
    if who.member is not None:
        return redirect(request, next_url)
    return await render(request, "signin.html", {"next": next_url, "email": "", "error": None})


async def signin_submit(request: Request) -> Response:
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    next_url = safe_next(form.get("next"))
    result = await signin.sign_in(
        db,
        email=form.get("email"),
        password=form.get("password"),
        hasher=ctx.hasher,
        now=ctx.clock.now(),
        ip=client_ip(request),
        base_delay=ctx.settings.signin_delay,
    )
    if result.outcome is signin.Outcome.OK and result.member is not None:
        secret = await open_session_for(request, result.member)
        await db.commit()
        response = redirect(request, next_url, notice="signed_in")
        start_session(request, response, secret)
        return response
    await db.commit()  # the failure count and the audit entry
    if result.delay_seconds:
        await asyncio.sleep(result.delay_seconds)
    error = {
        signin.Outcome.LOCKED: N_(
            "Too many failed sign-ins for this address. Wait %(minutes)s minutes and try again, "
            "or ask an admin for a password-reset link."
        ),
        signin.Outcome.INACTIVE: N_(
            "Your account is not active (suspended, or you have left the co-op). Contact an admin."
        ),
    }.get(result.outcome, N_("The email or password is wrong."))
    status = 429 if result.outcome is signin.Outcome.LOCKED else 401
    if result.outcome is signin.Outcome.INACTIVE:
        status = 403
    return await render(
        request,
        "signin.html",
        {
            "next": next_url,
            "email": form.get("email"),
            "error": error,
            "params": {"minutes": signin.LOCK_TIME.seconds // 60},
        },
        status=status,
    )


async def signout(request: Request) -> Response:
    who, _form = await posted(request)
    db = db_of(request)
    if who.session is not None:
        await web_session.close(db, who.session.id)
        await db.commit()
    response = redirect(request, "/", notice="signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def signout_everywhere(request: Request) -> Response:
    member = await require_member(request)
    await posted(request)
    db = db_of(request)
    await web_session.close_all(db, member.id)
    await db.commit()
    response = redirect(request, "/signin", notice="signed_out_everywhere")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", signin_submit, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/signout/everywhere", signout_everywhere, methods=["POST"]),
]
