"""Rendering pages: the Jinja2 environment, the active language, flash notices."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from coopfed.i18n import LANGUAGES, best_language, gettext_, ngettext_
from coopfed.web import csrf
from coopfed.web.viewer import Viewer, ctx_of, db_of, viewer
from governance import instance, notification
from governance.i18n import N_

LANG_COOKIE = "coopfed_lang"
FLASH_COOKIE = "coopfed_flash"


@functools.lru_cache(maxsize=1)
def build_environment() -> jinja2.Environment:
    """The template environment, shared by every app in the process: it holds only the
    shipped templates and filters (the language is chosen per render through a context
    variable), and compiling the templates again for each app would be wasted work."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("coopfed", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext_, ngettext_, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = _format_datetime
    return env


def _format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def language_for(request: Request, who: Viewer) -> str:
    if who.member is not None and who.member.language in LANGUAGES:
        return who.member.language
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    default = ctx_of(request).settings.default_language
    return best_language(request.headers.get("accept-language"), default)


async def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    who = await viewer(request)
    ctx = ctx_of(request)
    db = db_of(request)
    inst = await instance.get(db)
    language = language_for(request, who)
    env: jinja2.Environment = request.app.state.jinja
    flash = request.cookies.get(FLASH_COOKIE)
    values = {
        "request": request,
        "viewer": who,
        "lang": language,
        "languages": LANGUAGES,
        "instance": inst,
        "csrf_token": csrf.token_for(request, who),
        "notice": NOTICES.get(flash or ""),
        "unread_notifications": (
            await notification.unread_count(db, who.member.id) if who.member is not None else 0
        ),
        **(context or {}),
    }
    with ctx.catalogs.activate(language):
        values["notice"] = gettext_(values["notice"]) if values["notice"] else None
        html = env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["content-language"] = language
    response.headers["x-frame-options"] = "DENY"
    response.headers["referrer-policy"] = "same-origin"
    response.headers["x-content-type-options"] = "nosniff"
    new_token = getattr(request.state, "new_csrf", None)
    if new_token:
        set_cookie(request, response, csrf.ANON_COOKIE, new_token, max_age=None)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=ctx_of(request).settings.secure_cookies,
    )


def redirect(request: Request, url: str, *, notice: str | None = None) -> RedirectResponse:
    """See-other redirect after a successful form post, optionally with a notice to show."""
    response = RedirectResponse(url, status_code=303)
    if notice is not None:
        if notice not in NOTICES:
            raise KeyError(notice)
        set_cookie(request, response, FLASH_COOKIE, notice, max_age=60)
    return response


def safe_next(url: str | None, default: str = "/") -> str:
    """Only same-site relative paths may be redirect targets."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default


NOTICES = {
    "signed_in": N_("Welcome back."),
    "signed_out": N_("You are signed out."),
    "signed_out_everywhere": N_("You are signed out on every device."),
    "setup_done": N_("Your co-op is ready. Invite your first members."),
    "invitation_accepted": N_(
        "Your account is created. An admin will admit you; meanwhile you can sign in."
    ),
    "password_changed": N_("Your password is changed. Sign in with it."),
    "settings_saved": N_("Your settings are saved."),
    "language_changed": N_("Language changed."),
    "member_updated": N_("The member is updated."),
    "class_saved": N_("The membership class is saved."),
    "class_deleted": N_("The membership class is deleted."),
    "token_revoked": N_("The token is revoked."),
    "proposal_saved": N_("The proposal is saved."),
    "proposal_scheduled": N_("The vote is scheduled. Members are told when it opens."),
    "proposal_withdrawn": N_("The proposal is withdrawn."),
    "comment_added": N_("Your comment is posted."),
    "outcome_saved": N_("The outcome statement is saved."),
    "proxy_given": N_("Your proxy is given."),
    "proxy_revoked": N_("Your proxy is revoked."),
    "ledger_recorded": N_("The transaction is recorded and the log's checkpoint signed."),
    "ledger_reversed": N_("The reversing transaction is recorded."),
    "ledger_period_closed": N_(
        "The period is closed: its result is in retained earnings and its balances are sealed."
    ),
    "share_recorded": N_("The share operation is recorded."),
    "notifications_read": N_("All notifications are marked as read."),
    "federation_saved": N_("The federation settings are saved."),
    "host_rule_saved": N_("The host rule is saved."),
    "host_rule_removed": N_("The host rule is removed."),
    "inbox_retry": N_("The activity will be processed again."),
    "delivery_retried": N_("The delivery will be sent at the worker's next round."),
    "delivery_host_retried": N_("The host's deliveries will be sent at the worker's next round."),
    "delivery_host_unpaused": N_("The host is no longer paused."),
    "follow_sent": N_("The follow request is sent. The co-op appears as accepted once it answers."),
    "unfollowed": N_("This co-op no longer follows that co-op."),
    "follower_approved": N_("The follow request is approved."),
    "follower_rejected": N_("The follow request is rejected."),
    "follower_removed": N_("That co-op no longer follows this one."),
    "partners_saved": N_("The follow settings are saved."),
    "announcement_sent": N_("The announcement is published to partner co-ops."),
}
