"""Request bodies: JSON only, well-formed, within the schema, and not too large.

Every operation that takes a body is checked, so a new one gets the same refusals for free.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient, Response

from coopfed.api.operation import Operation
from coopfed.api.resources import ALL
from coopfed.context import AppContext
from coopfed.settings import Settings
from tests.integration.api.conftest import (
    Caller,
    assert_error,
    concrete_path,
    fields_in,
    make_class,
    sample_body,
    snapshot,
)

WITH_BODY = [op for op in ALL if op.body is not None]


def op_id(op: Operation) -> str:
    return f"{op.method} {op.path}"


@pytest.fixture
async def target_id(ctx: AppContext, member: Caller) -> int:
    """An id valid for both member and class paths (the member is 2; so is this class)."""
    await make_class(ctx, "first")
    second = await make_class(ctx, "second")
    assert second.id == member.id == 2
    return 2


async def send(
    client: AsyncClient, admin: Caller, op: Operation, ident: int, content: bytes,
    content_type: str | None = "application/json",
) -> Response:
    headers = dict(admin.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return await client.request(
        op.method, concrete_path(op, ident), content=content, headers=headers
    )


def test_there_are_operations_with_bodies() -> None:
    assert len(WITH_BODY) >= 5


INVALID_JSON = [b"{", b"{'single': 'quotes'}", b'{"a": 1,}', b"\xff\xfe\x00"]
NOT_JSON_TYPES = [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
NOT_OBJECTS = [b"", b"null", b"[]", b'"text"', b"42"]


@pytest.mark.parametrize("op", WITH_BODY, ids=op_id)
async def test_invalid_json__is_400(
    client: AsyncClient, ctx: AppContext, admin: Caller, target_id: int, op: Operation
) -> None:
    before = await snapshot(ctx)
    for content in INVALID_JSON:
        response = await send(client, admin, op, target_id, content)
        assert response.status_code == 400, content
        assert_error(response, 400, "invalid_json")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=op_id)
async def test_wrong_content_type__is_415(
    client: AsyncClient, ctx: AppContext, admin: Caller, target_id: int, op: Operation
) -> None:
    before = await snapshot(ctx)
    for content_type in NOT_JSON_TYPES:
        response = await send(client, admin, op, target_id, b'{"name": "x"}', content_type)
        assert response.status_code == 415, content_type
        assert_error(response, 415, "unsupported_media_type")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=op_id)
async def test_body_that_is_not_an_object__is_422(
    client: AsyncClient, ctx: AppContext, admin: Caller, target_id: int, op: Operation
) -> None:
    before = await snapshot(ctx)
    for content in NOT_OBJECTS:
        response = await send(client, admin, op, target_id, content)
        assert response.status_code == 422, content
        assert fields_in(assert_error(response, 422, "invalid_input")) == {"body"}
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=op_id)
async def test_extra_field__is_422_naming_it(
    client: AsyncClient, ctx: AppContext, admin: Caller, target_id: int, op: Operation
) -> None:
    before = await snapshot(ctx)
    body = {**sample_body(op), "surprise": True}
    response = await client.request(
        op.method, concrete_path(op, target_id), json=body, headers=admin.headers
    )
    error = assert_error(response, 422, "invalid_input")
    assert "surprise" in fields_in(error)
    assert await snapshot(ctx) == before


async def test_json_with_charset__is_accepted(
    client: AsyncClient, admin: Caller
) -> None:
    response = await client.post(
        "/api/v1/me/tokens", content=b'{"name": "charset"}',
        headers={**admin.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


async def test_oversized_body__with_content_length_is_413(
    client: AsyncClient, ctx: AppContext, settings: Settings, admin: Caller
) -> None:
    before = await snapshot(ctx)
    padding = "x" * settings.max_form_bytes
    response = await client.post(
        "/api/v1/invitations",
        json={"email": "big@example.org", "display_name": "Big", "language": padding},
        headers=admin.headers,
    )
    error = assert_error(response, 413, "body_too_large")
    assert str(settings.max_form_bytes) in error["message"]
    assert await snapshot(ctx) == before


async def test_oversized_body__streamed_without_length_is_413(
    client: AsyncClient, ctx: AppContext, settings: Settings, admin: Caller
) -> None:
    before = await snapshot(ctx)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "big@example.org", "display_name": "'
        for _ in range(settings.max_form_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/api/v1/invitations", content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "body_too_large")
    assert await snapshot(ctx) == before


async def test_body_at_the_limit__is_read(
    client: AsyncClient, settings: Settings, admin: Caller
) -> None:
    prefix, suffix = b'{"name": "ok"', b"}"
    content = prefix + b" " * (settings.max_form_bytes - len(prefix) - len(suffix)) + suffix
    assert len(content) == settings.max_form_bytes
    response = await client.post(
        "/api/v1/me/tokens", content=content,
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_oversized_body__without_token_is_413_before_anything_else(
    client: AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/me/tokens", content=b"x" * (settings.max_form_bytes + 1),
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 413, "body_too_large")
