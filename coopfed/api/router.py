"""The ``/api/v1`` mount: every operation, the OpenAPI document, JSON 404/405."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from coopfed.api.errors import error_response
from coopfed.api.operation import openapi_document, routes
from coopfed.api.resources import ALL


def _version() -> str:
    try:
        return version("coopfed")
    except PackageNotFoundError:
        return "0+unknown"


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(ALL, title="coopfed API", version=_version()))


async def not_found(request: Request) -> Response:
    return error_response(404, "not_found", f"There is no API endpoint at {request.url.path}.")


def mount() -> Mount:
    return Mount(
        "/api/v1",
        routes=[
            Route("/openapi.json", openapi_json, methods=["GET"]),
            *routes(ALL),
            Route("/{rest:path}", not_found),
        ],
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None  # keeps "Allow" on a 405
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)
