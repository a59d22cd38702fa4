"""Admin: the outgoing delivery queue — state per remote host, recent deliveries, retry,
unpause. Linked from the federation page."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.context import AppContext
from coopfed.web.actions import Step, admin_action
from coopfed.web.forms import Form
from coopfed.web.guards import require_admin
from coopfed.web.templating import render
from coopfed.web.viewer import ctx_of, db_of
from federation.delivery import admin
from federation.delivery.model import DeliveryStatus
from governance.errors import GovernanceError

PAGE = "/admin/federation/deliveries"
SHOWN = 100


async def _page(
    request: Request,
    *,
    error: str | None = None,
    params: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    query = request.query_params
    host = (query.get("host") or "").strip().lower() or None
    try:
        shown_status = admin.parse_status(query.get("status"))
    except GovernanceError as exc:
        error, params, status = exc.template, exc.params, 422
        shown_status = None
    now = ctx_of(request).clock.now()
    return await render(
        request,
        "admin/deliveries.html",
        {
            "hosts": await admin.host_summaries(db),
            "deliveries": await admin.recent(db, host=host, status=shown_status, limit=SHOWN),
            "host": host or "",
            "status": shown_status.value if shown_status else "",
            "statuses": [s.value for s in DeliveryStatus],
            "now": now,
            "error": error,
            "params": params or {},
        },
        status=status,
    )


async def deliveries_page(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


async def retry_one(request: Request) -> Response:
    delivery_id = int(request.path_params["delivery_id"])

    async def step(ctx: AppContext, db: AsyncSession, _form: Form, by: int) -> None:
        await admin.retry_delivery(db, delivery_id, now=ctx.clock.now(), by=by)

    return await _act(request, step, "delivery_retried")


async def retry_host(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        await admin.retry_host(db, form.stripped("host"), now=ctx.clock.now(), by=by)

    return await _act(request, step, "delivery_host_retried")


async def unpause_host(request: Request) -> Response:
    async def step(ctx: AppContext, db: AsyncSession, form: Form, by: int) -> None:
        await admin.unpause(db, form.stripped("host"), now=ctx.clock.now(), by=by)

    return await _act(request, step, "delivery_host_unpaused")


def _act(request: Request, step: Step, notice: str) -> Awaitable[Response]:
    return admin_action(request, step, page=_page, to=PAGE, notice=notice, keep_form=False)


routes = [
    Route(PAGE, deliveries_page, methods=["GET"]),
    Route(PAGE + "/{delivery_id:int}/retry", retry_one, methods=["POST"]),
    Route(PAGE + "/hosts/retry", retry_host, methods=["POST"]),
    Route(PAGE + "/hosts/unpause", unpause_host, methods=["POST"]),
]
