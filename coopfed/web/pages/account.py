"""A member's own settings: profile, language, API tokens, sessions; and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.auth import api_token, web_session
from coopfed.i18n import LANGUAGES
from coopfed.web.forms import posted
from coopfed.web.guards import require_member
from coopfed.web.templating import LANG_COOKIE, redirect, render, safe_next, set_cookie
from coopfed.web.viewer import ctx_of, db_of
from governance import member as members
from governance.errors import GovernanceError


async def _settings_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    params: dict[str, object] | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> Response:
    me = await require_member(request)
    db = db_of(request)
    ctx = ctx_of(request)
    return await render(
        request,
        "settings.html",
        {
            "form": form or {"display_name": me.display_name, "language": me.language},
            "error": error,
            "params": params or {},
            "tokens": await api_token.list_for(db, me.id),
            "sessions": await web_session.list_for(db, me.id, now=ctx.clock.now()),
            "new_token": new_token,
        },
        status=status,
    )


async def settings_page(request: Request) -> Response:
    return await _settings_page(request)


async def settings_submit(request: Request) -> Response:
    me = await require_member(request)
    _who, form = await posted(request)
    db = db_of(request)
    try:
        await members.update_profile(
            db,
            await members.get(db, me.id),
            display_name=form.get("display_name"),
            language=form.get("language"),
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _settings_page(
            request, form=form.values, error=exc.template, params=exc.params, status=422
        )
    return redirect(request, "/settings", notice="settings_saved")


async def token_create(request: Request) -> Response:
    me = await require_member(request)
    _who, form = await posted(request)
    db = db_of(request)
    try:
        issued = await api_token.create(
            db, await members.get(db, me.id), name=form.get("name"), now=ctx_of(request).clock.now()
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _settings_page(request, error=exc.template, params=exc.params, status=422)
    return await _settings_page(request, new_token=issued.secret, status=201)


async def token_revoke(request: Request) -> Response:
    me = await require_member(request)
    await posted(request)
    db = db_of(request)
    await api_token.revoke(
        db, me, int(request.path_params["token_id"]), now=ctx_of(request).clock.now()
    )
    await db.commit()
    return redirect(request, "/settings", notice="token_revoked")


async def switch_language(request: Request) -> Response:
    """Anyone may switch; for a signed-in member the choice is saved to their account."""
    who, form = await posted(request)
    language = form.get("language")
    response = redirect(request, safe_next(form.get("next")), notice="language_changed")
    if language not in LANGUAGES:
        return response
    if who.member is not None:
        db = db_of(request)
        await members.update_profile(db, await members.get(db, who.member.id), language=language)
        await db.commit()
    set_cookie(request, response, LANG_COOKIE, language, max_age=365 * 86400)
    return response


routes = [
    Route("/settings", settings_page, methods=["GET"]),
    Route("/settings", settings_submit, methods=["POST"]),
    Route("/settings/tokens", token_create, methods=["POST"]),
    Route("/settings/tokens/{token_id:int}/revoke", token_revoke, methods=["POST"]),
    Route("/language", switch_language, methods=["POST"]),
]
