"""Admin: federation policy (block list, allow-list mode, signed fetch) and the inbox; the
outgoing deliveries page (``admin_deliveries``) is mounted with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.context import AppContext
from coopfed.web.actions import admin_action
from coopfed.web.forms import Form
from coopfed.web.guards import require_admin
from coopfed.web.pages import admin_deliveries
from coopfed.web.templating import render
from coopfed.web.viewer import db_of
from federation import inbox
from federation import policy as policies
from federation.models import FederationMode, HostRule, InboxStatus
from governance.errors import InvalidInput
from governance.i18n import N_

PAGE = "/admin/federation"
FAILED_SHOWN = 50
RECENT_SHOWN = 20


async def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    params: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    config = await policies.load_config(db)
    blocked, allowed = policies.rules_by_kind(await policies.list_rules(db))
    return await render(
        request,
        "admin/federation.html",
        {
            "mode": config.mode.value if config else FederationMode.OPEN.value,
            "require_signed_fetch": config.require_signed_fetch if config else False,
            "blocked": blocked,
            "allowed": allowed,
            "counts": {s.value: n for s, n in (await inbox.count_by_status(db)).items()},
            "failed": await inbox.recent(db, status=InboxStatus.FAILED, limit=FAILED_SHOWN),
            "recent": await inbox.recent(db, limit=RECENT_SHOWN),
            "form": form or {},
            "error": error,
            "params": params or {},
        },
        status=status,
    )


async def federation_page(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


async def save_settings(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        mode_text = form.get("mode")
        if mode_text not in {m.value for m in FederationMode}:
            raise InvalidInput(N_("Choose open or allow-list mode."), code="invalid_mode")
        mode = FederationMode(mode_text)
        now = ctx.clock.now()
        config = await policies.load_config(db)
        if config is None or config.mode is not mode:
            await ctx.policy.set_mode(db, mode, by=by, now=now)
        signed = form.get("require_signed_fetch") == "on"
        if config is None or config.require_signed_fetch != signed:
            await ctx.policy.set_require_signed_fetch(db, signed, by=by, now=now)

    return await admin_action(request, step, page=_page, to=PAGE, notice="federation_saved")


async def add_host(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        host, note, now = form.stripped("host"), form.stripped("note"), ctx.clock.now()
        if form.get("rule") == HostRule.ALLOW.value:
            await ctx.policy.allow(db, host, note=note, by=by, now=now)
        else:
            await ctx.policy.block(db, host, note=note, by=by, now=now)

    return await admin_action(request, step, page=_page, to=PAGE, notice="host_rule_saved")


async def remove_host(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        host, now = form.stripped("host"), ctx.clock.now()
        if form.get("rule") == HostRule.ALLOW.value:
            await ctx.policy.disallow(db, host, by=by, now=now)
        else:
            await ctx.policy.unblock(db, host, by=by, now=now)

    return await admin_action(request, step, page=_page, to=PAGE, notice="host_rule_removed")


async def retry_item(request: Request) -> Response:
    item_id = int(request.path_params["item_id"])

    async def step(ctx: AppContext, db: AsyncSession, _form: Form, by: int) -> None:
        await inbox.retry(db, item_id, by=by, now=ctx.clock.now())

    return await admin_action(request, step, page=_page, to=PAGE + "#inbox", notice="inbox_retry")


routes = [
    Route(PAGE, federation_page, methods=["GET"]),
    Route(PAGE + "/settings", save_settings, methods=["POST"]),
    Route(PAGE + "/hosts", add_host, methods=["POST"]),
    Route(PAGE + "/hosts/remove", remove_host, methods=["POST"]),
    Route(PAGE + "/inbox/{item_id:int}/retry", retry_item, methods=["POST"]),
    *admin_deliveries.routes,
]
