"""API operations: each declares its method, path, who may call it and its request and
response models; :func:`routes` and :func:`openapi_document` are both built from that list."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.api.errors import ERROR_SCHEMA, ApiError, error_response, status_for
from coopfed.auth import api_token
from coopfed.context import AppContext
from governance.errors import GovernanceError
from governance.member import Member, Status

Access = Literal["public", "member", "admin"]


@dataclass
class Call:
    """What a handler gets: the request, its database session, the caller and the body."""

    request: Request
    ctx: AppContext
    db: AsyncSession
    member: Member | None
    body: Any = None

    def path_int(self, name: str) -> int:
        return int(self.request.path_params[name])

    @property
    def caller(self) -> Member:
        if self.member is None:  # only reachable from a public operation misusing it
            raise ApiError(401, "unauthenticated", "Sign in with a bearer token.")
        return self.member


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # relative to /api/v1, Starlette syntax: /members/{member_id:int}
    handler: Handler
    summary: str
    access: Access
    tag: str
    body: type[BaseModel] | None = None
    response: Any = None  # a pydantic model, a list[...] type, or None for 204
    status: int = 200
    errors: Sequence[int] = field(default=())

    @property
    def openapi_path(self) -> str:
        parts = []
        for piece in self.path.split("/"):
            if piece.startswith("{") and ":" in piece:
                piece = piece.split(":", 1)[0] + "}"
            parts.append(piece)
        return "/api/v1" + "/".join(parts)


def _unauthorized(message: str) -> Response:
    return error_response(
        401, "unauthenticated", message, headers={"WWW-Authenticate": 'Bearer realm="coopfed"'}
    )


def _endpoint(op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        ctx: AppContext = request.app.state.ctx
        db: AsyncSession = request.state.db
        member: Member | None = None
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return _unauthorized("Use 'Authorization: Bearer <token>'.")
            member = await api_token.resolve(db, secret.strip(), now=ctx.clock.now())
            if member is None:
                return _unauthorized(
                    "This token is unknown, revoked or expired. Create a new one in Settings."
                )
            if db.dirty:
                await db.commit()  # last-used time
        if op.access != "public" and member is None:
            return _unauthorized("This endpoint needs a bearer token (create one in Settings).")
        if op.access == "admin" and (
            member is None or not member.is_admin or member.status is not Status.MEMBER
        ):
            return error_response(403, "admin_only", "Only an admin may do this.")
        call = Call(request, ctx, db, member)
        try:
            if op.body is not None:
                call.body = await _parse_body(request, op.body)
            result = await op.handler(call)
        except ApiError as exc:
            await db.rollback()
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except GovernanceError as exc:
            await db.rollback()
            return error_response(status_for(exc), exc.code, exc.message)
        if result is None:
            return Response(status_code=204)
        if isinstance(result, Response):  # already written (e.g. a very large document)
            return result
        return JSONResponse(_dump(result), status_code=op.status)

    endpoint.__name__ = op.handler.__name__
    return endpoint


async def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    raw = await request.body()
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "problem": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        first = details[0]
        raise ApiError(
            422, "invalid_input", f"{first['field']}: {first['problem']}", details
        ) from None


def _dump(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_dump(item) for item in result]
    return result


def routes(operations: Sequence[Operation]) -> list[Route]:
    return [Route(op.path, _endpoint(op), methods=[op.method]) for op in operations]


def openapi_document(
    operations: Sequence[Operation], *, title: str, version: str
) -> dict[str, Any]:
    """An OpenAPI 3.1 description of exactly these operations."""
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}

    def ref(model: Any) -> dict[str, Any]:
        adapter = TypeAdapter(model)
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        if isinstance(model, type) and issubclass(model, BaseModel):
            schemas[model.__name__] = schema
            return {"$ref": f"#/components/schemas/{model.__name__}"}
        return schema

    for op in operations:
        item: dict[str, Any] = {
            "operationId": op.handler.__name__,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        params = [
            {
                "name": piece.strip("{}").split(":")[0],
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if piece.endswith(":int}") else "string"},
            }
            for piece in op.path.split("/")
            if piece.startswith("{")
        ]
        if params:
            item["parameters"] = params
        if op.access != "public":
            item["security"] = [{"bearer": []}]
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        if op.response is None:
            item["responses"][str(op.status if op.status != 200 else 204)] = {"description": "Done"}
        else:
            item["responses"][str(op.status)] = {
                "description": "Success",
                "content": {"application/json": {"schema": ref(op.response)}},
            }
        error_codes = set(op.errors)
        if op.access != "public":
            # 403: an admin-only operation, or a member operation the caller may not do
            # (not an admitted member, not eligible, no proxy, not the author, ...).
            error_codes |= {401, 403}
        if op.body is not None:
            error_codes |= {400, 413, 415, 422}  # 413: over max_form_bytes (BodyLimitMiddleware)
        for code in sorted(error_codes):
            item["responses"][str(code)] = {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
