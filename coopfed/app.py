"""The application factory: ``create_app(settings)`` builds one instance's Starlette app with
no global state, so several instances can run in one process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from coopfed import bootstrap, federation_inbox, federation_routes
from coopfed.api import router as api_router
from coopfed.context import AppContext, build_context
from coopfed.middleware import BodyLimitMiddleware, DbSessionMiddleware
from coopfed.settings import Settings
from coopfed.web import errors as web_errors
from coopfed.web.pages import (
    account,
    admin_audit,
    admin_classes,
    admin_federation,
    admin_members,
    allocation,
    bylaws,
    home,
    invitation,
    ledger,
    members,
    notifications,
    partners,
    proposal_receipt,
    proposal_vote,
    proposals,
    proxies,
    reset,
    setup,
    signin,
)
from coopfed.web.templating import build_environment
from coopfed.worker import Worker
from federation.actor import ActorKeyCache
from governance.clock import Clock

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    context: AppContext | None = None,
    run_worker: bool | None = None,
) -> Starlette:
    """Build the app. Nothing touches the database until the lifespan starts."""
    ctx = context or build_context(settings, clock=clock)
    embed_worker = settings.run_worker if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await bootstrap.prepare_schema(ctx, upgrade=False)
        async with ctx.session() as db:
            await ctx.keyring.load(db)
        await federation_inbox.start(ctx)
        stop = asyncio.Event()
        task = None
        if embed_worker:
            task = asyncio.create_task(Worker(ctx).run_forever(stop), name="coopfed-worker")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await federation_inbox.stop(ctx)
            if context is None:
                await ctx.dispose()

    web_routes = [
        *home.routes,
        *setup.routes,
        *signin.routes,
        *invitation.routes,
        *reset.routes,
        *account.routes,
        *members.routes,
        *admin_members.routes,
        *admin_classes.routes,
        *admin_audit.routes,
        *admin_federation.routes,
        *proposals.routes,
        *proposal_vote.routes,
        *proposal_receipt.routes,
        *proxies.routes,
        *ledger.routes,
        *allocation.routes,
        *bylaws.routes,
        *notifications.routes,
        *partners.routes,
    ]
    app = Starlette(
        routes=[
            api_router.mount(),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *federation_routes.routes,
            *federation_inbox.routes,
            *web_routes,
        ],
        middleware=[
            Middleware(
                BodyLimitMiddleware,
                limit=settings.max_form_bytes,
                exempt=federation_inbox.is_inbox_path,
            ),
            Middleware(DbSessionMiddleware, ctx=ctx),
        ],
        exception_handlers={
            HTTPException: _http_error,
            **web_errors.HANDLERS,  # type: ignore[dict-item]
        },
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.actor_keys = ActorKeyCache(ctx.keyring)
    app.state.jinja = build_environment()
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return await api_router.on_http_error(request, exc)
    return await web_errors.on_http(request, exc)
