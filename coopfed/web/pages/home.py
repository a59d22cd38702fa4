"""The front page and the health check."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.web.templating import render
from coopfed.web.viewer import db_of


async def home(request: Request) -> Response:
    return await render(request, "home.html")


async def healthz(request: Request) -> Response:
    """For operators and load balancers: 200 when the database answers, 503 otherwise."""
    try:
        await db_of(request).execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy"
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})


routes = [
    Route("/", home, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
