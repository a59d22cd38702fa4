"""``/membership-classes``: everyone reads them, admins change them."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from coopfed.context import AppContext
from governance import membership_class
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    fields_in,
    make_class,
    make_member,
    snapshot,
)

CLASSES = f"{API}/membership-classes"


async def test_list__members_read_classes_sorted_by_slug(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    await make_class(ctx, "worker", weight="1")
    await make_class(ctx, "supporter", weight="0.25", cap="0.2")
    response = await client.get(CLASSES, headers=member.headers)
    assert response.status_code == 200
    assert response.json() == [
        {"id": 2, "slug": "supporter", "name": "Supporter", "description": "",
         "vote_weight": "0.25", "weight_cap": "0.2"},
        {"id": 1, "slug": "worker", "name": "Worker", "description": "",
         "vote_weight": "1", "weight_cap": None},
    ]


async def test_create__stores_exact_decimals(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    response = await client.post(
        CLASSES,
        json={"slug": "User", "name": "Users", "vote_weight": "0.333333", "weight_cap": "0.25",
              "description": "People who use what we make"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["slug"], body["vote_weight"], body["weight_cap"]) == ("user", "0.333333", "0.25")
    async with ctx.session() as db:
        stored = await membership_class.by_slug(db, "user")
    assert str(stored.vote_weight) == "0.333333"
    assert stored.description == "People who use what we make"


async def test_create__duplicate_slug_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    await make_class(ctx, "worker")
    before = await snapshot(ctx)
    response = await client.post(
        CLASSES, json={"slug": "worker", "name": "Again", "vote_weight": "1"},
        headers=admin.headers,
    )
    assert_error(response, 409)
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"slug": "has space", "vote_weight": "1"}, "invalid_slug"),
        ({"slug": "ok", "vote_weight": "-1"}, "invalid_weight"),
        ({"slug": "ok", "vote_weight": "1001"}, "invalid_weight"),
        ({"slug": "ok", "vote_weight": "lots"}, "invalid_input"),
        ({"slug": "ok", "vote_weight": "NaN"}, "invalid_input"),
        ({"slug": "ok", "vote_weight": "0.0000001"}, "invalid_input"),
        ({"slug": "ok", "vote_weight": "1", "weight_cap": "0"}, "invalid_cap"),
        ({"slug": "ok", "vote_weight": "1", "weight_cap": "1.5"}, "invalid_cap"),
    ],
    ids=["slug", "negative", "too-heavy", "not-a-number", "nan", "too-precise", "cap-0", "cap-1.5"],
)
async def test_create__domain_violation_is_422(
    client: AsyncClient, ctx: AppContext, admin: Caller, body: dict[str, str], code: str
) -> None:
    before = await snapshot(ctx)
    response = await client.post(CLASSES, json={"name": "N", **body}, headers=admin.headers)
    assert_error(response, 422, code)
    assert await snapshot(ctx) == before


async def test_create__schema_violation_is_422_naming_the_fields(
    client: AsyncClient, admin: Caller
) -> None:
    response = await client.post(
        CLASSES, json={"slug": "x" * 41, "vote_weight": 1}, headers=admin.headers
    )
    error = assert_error(response, 422, "invalid_input")
    # vote_weight must be a decimal string, never a JSON number (floats lose money).
    assert fields_in(error) == {"slug", "name", "vote_weight"}


async def test_create__extra_field_is_422(client: AsyncClient, admin: Caller) -> None:
    response = await client.post(
        CLASSES, json={"slug": "a", "name": "A", "vote_weight": "1", "id": 7},
        headers=admin.headers,
    )
    assert fields_in(assert_error(response, 422)) == {"id"}


async def test_update__changes_the_class(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    response = await client.put(
        f"{CLASSES}/{worker.id}",
        json={"slug": "workers", "name": "Workers", "vote_weight": "2", "weight_cap": "0.5"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["slug"] == "workers"
    async with ctx.session() as db:
        stored = await membership_class.get(db, worker.id)
    assert (stored.slug, str(stored.vote_weight), str(stored.weight_cap)) == ("workers", "2", "0.5")


async def test_update__keeping_its_own_slug_is_fine(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    response = await client.put(
        f"{CLASSES}/{worker.id}", json={"slug": "worker", "name": "W", "vote_weight": "3"},
        headers=admin.headers,
    )
    assert response.status_code == 200 and response.json()["vote_weight"] == "3"


async def test_update__taking_another_class_slug_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    await make_class(ctx, "worker")
    user = await make_class(ctx, "user")
    before = await snapshot(ctx)
    response = await client.put(
        f"{CLASSES}/{user.id}", json={"slug": "worker", "name": "W", "vote_weight": "1"},
        headers=admin.headers,
    )
    assert_error(response, 409)
    assert await snapshot(ctx) == before


async def test_update__unknown_id_is_404(client: AsyncClient, admin: Caller) -> None:
    response = await client.put(
        f"{CLASSES}/999", json={"slug": "w", "name": "W", "vote_weight": "1"},
        headers=admin.headers,
    )
    assert_error(response, 404, "not_found")


async def test_delete__removes_an_unused_class(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    response = await client.delete(f"{CLASSES}/{worker.id}", headers=admin.headers)
    assert response.status_code == 204 and response.content == b""
    async with ctx.session() as db:
        assert await membership_class.list_all(db) == []


async def test_delete__class_in_use_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    await make_member(ctx, class_id=worker.id)
    before = await snapshot(ctx)
    response = await client.delete(f"{CLASSES}/{worker.id}", headers=admin.headers)
    error = assert_error(response, 409)
    assert "worker" in error["message"] and "1 member" in error["message"]
    assert await snapshot(ctx) == before


async def test_delete__class_held_only_by_an_invitee_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    await make_member(ctx, class_id=worker.id, status="invited")
    assert_error(await client.delete(f"{CLASSES}/{worker.id}", headers=admin.headers), 409)


async def test_delete__unknown_id_is_404(client: AsyncClient, admin: Caller) -> None:
    assert_error(await client.delete(f"{CLASSES}/999", headers=admin.headers), 404, "not_found")
