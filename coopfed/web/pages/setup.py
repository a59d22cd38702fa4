"""First-run setup: the one-time link printed by ``coopfed init`` / ``coopfed serve``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.errors import error_page
from coopfed.web.forms import PASSWORDS_DIFFER, posted
from coopfed.web.pages.signin import open_session_for, start_session
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import client_ip, ctx_of, db_of
from governance import instance
from governance.bylaws.presets import PRESET_LABELS
from governance.errors import GovernanceError


async def setup_form(request: Request) -> Response:
    secret = request.query_params.get("token", "")
    ctx = ctx_of(request)
    try:
        await instance.check_setup_token(db_of(request), secret, now=ctx.clock.now())
    except GovernanceError as exc:
        return await error_page(
            request, 404 if exc.code == "setup_token_invalid" else 409, exc.template, exc.params
        )
    return await render(
        request,
        "setup.html",
        {"token": secret, "form": {}, "error": None, "presets": PRESET_LABELS},
    )


async def setup_submit(request: Request) -> Response:
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    secret = form.get("token")
    data = instance.SetupForm(
        coop_name=form.get("coop_name"),
        email=form.get("email"),
        display_name=form.get("display_name"),
        password=form.get("password"),
        language=form.get("language", "en"),
        preset=form.get("preset", "worker_coop"),
    )
    if form.get("password") != form.get("password_confirm"):
        return await render(
            request,
            "setup.html",
            {
                "token": secret,
                "form": form.values,
                "error": PASSWORDS_DIFFER,
                "params": {},
                "presets": PRESET_LABELS,
            },
            status=422,
        )
    try:
        admin = await instance.complete_setup(
            db, secret, data, hasher=ctx.hasher, now=ctx.clock.now(), ip=client_ip(request)
        )
        secret_cookie = await open_session_for(request, admin)
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        status = {"setup_token_invalid": 404, "setup_done": 409, "setup_token_expired": 409}
        return await render(
            request,
            "setup.html",
            {
                "token": secret,
                "form": form.values,
                "error": exc.template,
                "params": exc.params,
                "presets": PRESET_LABELS,
            },
            status=status.get(exc.code, 422 if exc.code != "duplicate_email" else 409),
        )
    response = redirect(request, "/admin/invitations", notice="setup_done")
    start_session(request, response, secret_cookie)
    return response


routes = [
    Route("/setup", setup_form, methods=["GET"]),
    Route("/setup", setup_submit, methods=["POST"]),
]
