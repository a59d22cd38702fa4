"""``/api/v1/openapi.json``: a valid OpenAPI 3.1 document that describes every route the app
really serves, and nothing it does not."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from coopfed.api.resources import ALL
from coopfed.context import AppContext
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    make_class,
    make_member,
    make_token,
)

NOT_OPERATIONS = {"/openapi.json", "/{rest:path}"}  # the document itself and the JSON 404


@pytest.fixture
async def document(client: AsyncClient) -> dict[str, Any]:
    response = await client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def api_mount(routes: list[BaseRoute]) -> Mount:
    (mount,) = [r for r in routes if isinstance(r, Mount) and r.path == API]
    return mount


def served_operations(mount: Mount) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for each route under the mount, HEAD aside (Starlette adds it)."""
    found = set()
    for route in mount.routes:
        assert isinstance(route, Route), route
        if route.path in NOT_OPERATIONS:
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method.lower(), mount.path + route.path_format))
    return found


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method, path) for path, item in document["paths"].items() for method in item
    }


def undocumented(mount: Mount, document: dict[str, Any]) -> set[tuple[str, str]]:
    return served_operations(mount) - documented_operations(document)


async def test_document__is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


async def test_every_served_route__is_documented(app: Starlette, document: dict[str, Any]) -> None:
    mount = api_mount(app.routes)
    served = served_operations(mount)
    assert len(served) == len(ALL)
    assert undocumented(mount, document) == set()


async def test_every_documented_operation__is_served(
    app: Starlette, document: dict[str, Any]
) -> None:
    assert documented_operations(document) - served_operations(api_mount(app.routes)) == set()


async def test_route_check__notices_a_route_missing_from_the_document(
    app: Starlette, document: dict[str, Any]
) -> None:
    # The check above must bite: a route added outside the operation list is reported.
    async def secret_endpoint(request: object) -> Response:
        return Response()

    real = api_mount(app.routes)
    extended = Mount(API, routes=[*real.routes, Route("/backdoor/{n:int}", secret_endpoint,
                                                      methods=["POST"])])
    assert undocumented(extended, document) == {("post", f"{API}/backdoor/{{n}}")}


async def test_operation_ids__are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(ALL)


async def test_protected_operations__declare_bearer_security_401_and_403(
    document: dict[str, Any],
) -> None:
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
    }
    for op in ALL:
        described = document["paths"][op.openapi_path][op.method.lower()]
        responses = described["responses"]
        if op.access == "public":
            assert "security" not in described and "401" not in responses, op.path
        else:
            # Member operations refuse too (not_member, not_eligible, no_proxy, ...), so
            # every protected operation lists 403, admin-only ones included.
            assert described["security"] == [{"bearer": []}], op.path
            assert {"401", "403"} <= set(responses), op.path
        if op.access == "admin":
            assert "403" in responses, op.path
        if op.body is not None:
            assert described["requestBody"]["required"] is True
            assert {"400", "413", "415", "422"} <= set(responses), op.path
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


async def test_path_parameters__are_documented_as_integers(document: dict[str, Any]) -> None:
    item = document["paths"][f"{API}/members/{{member_id}}"]
    for method in ("get", "patch"):
        assert item[method]["parameters"] == [
            {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ]


async def test_request_models__forbid_extra_properties(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    names = {op.body.__name__ for op in ALL if op.body is not None}
    assert {"ProfileIn", "MemberUpdateIn", "TokenIn", "InvitationIn", "ClassIn"} <= names
    for name in sorted(names):
        assert schemas[name].get("additionalProperties") is False, name


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    content = document["paths"][path][method]["responses"][status]["content"]
    schema = content["application/json"]["schema"]
    # Local references resolve against the document's own components.
    return {**schema, "components": document["components"]}


async def test_real_responses__match_their_documented_schemas(
    client: AsyncClient, ctx: AppContext, admin: Caller, document: dict[str, Any]
) -> None:
    worker = await make_class(ctx, "worker", cap="0.5")
    await make_member(ctx, class_id=worker.id)
    checks = [
        ("get", "/instance", "200", None),
        ("get", "/me", "200", None),
        ("get", "/members", "200", None),
        ("get", "/membership-classes", "200", None),
        ("get", "/me/tokens", "200", None),
        ("get", "/audit", "200", None),
        ("post", "/invitations", "201", {"email": "new@example.org", "display_name": "New"}),
        ("post", "/members/{member_id}/password-reset", "201", None),
    ]
    for method, path, status, body in checks:
        url = API + path.replace("{member_id}", str(admin.id))
        response = await client.request(method, url, json=body, headers=admin.headers)
        assert response.status_code == int(status), (path, response.text)
        schema = response_schema(document, API + path, method, status)
        OAS31Validator(schema).validate(response.json())
    refused = await client.get(f"{API}/members/999", headers=admin.headers)
    OAS31Validator(response_schema(document, f"{API}/members/{{member_id}}", "get", "404")
                   ).validate(refused.json())


async def test_real_refusals__are_documented(
    client: AsyncClient, ctx: AppContext, admin: Caller, document: dict[str, Any]
) -> None:
    # A member operation refuses an applicant with 403, and says so in the document.
    applicant = await make_member(ctx, status="applicant")
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    refused = await client.get(f"{API}/proposals", headers=headers)
    assert_error(refused, 403, "not_member")
    OAS31Validator(response_schema(document, f"{API}/proposals", "get", "403")
                   ).validate(refused.json())
    # A body over the limit is refused with 413 before the handler runs.
    too_big = "x" * (ctx.settings.max_form_bytes + 1)
    refused = await client.post(
        f"{API}/invitations",
        json={"email": "new@example.org", "display_name": too_big},
        headers=admin.headers,
    )
    assert_error(refused, 413, "body_too_large")
    OAS31Validator(response_schema(document, f"{API}/invitations", "post", "413")
                   ).validate(refused.json())
