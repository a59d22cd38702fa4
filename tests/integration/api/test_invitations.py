"""``POST /api/v1/invitations``: one-time links for new members."""

from __future__ import annotations

from httpx import AsyncClient, Response

from coopfed.context import AppContext
from governance.member import Status
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    fields_in,
    load_member,
    make_class,
    make_member,
    snapshot,
)


async def invite(client: AsyncClient, admin: Caller, **body: object) -> Response:
    payload = {"email": "cleo@example.org", "display_name": "Cléo", **body}
    return await client.post(f"{API}/invitations", json=payload, headers=admin.headers)


async def test_create__returns_an_invited_member_and_a_link_that_opens(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    response = await client.post(
        f"{API}/invitations",
        json={"email": " Cleo@Example.org ", "display_name": "Cléo", "class_id": worker.id,
              "language": "fr"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["member"]["email"] == "cleo@example.org"
    assert body["member"]["status"] == "invited" and body["member"]["class_id"] == worker.id
    assert body["member"]["language"] == "fr"
    assert body["expires_at"] == "2026-12-02T12:00:00Z"
    assert body["url"].startswith("http://testserver/invite/")
    stored = await load_member(ctx, body["member"]["id"])
    assert stored.status is Status.INVITED and stored.password_hash is None
    page = await client.get(body["url"].removeprefix("http://testserver"))
    assert page.status_code == 200


async def test_create__duplicate_email_of_a_member_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.post(
        f"{API}/invitations", json={"email": "BEA@example.org", "display_name": "Again"},
        headers=admin.headers,
    )
    assert_error(response, 409, "duplicate_email")
    assert await snapshot(ctx) == before


async def test_create__reinviting_an_invited_address_replaces_the_link(
    client: AsyncClient, admin: Caller
) -> None:
    first = (await invite(client, admin)).json()
    second = await invite(client, admin, display_name="Cléo B.")
    assert second.status_code == 201
    assert second.json()["member"]["id"] == first["member"]["id"]
    assert second.json()["member"]["display_name"] == "Cléo B."
    assert (await client.get(second.json()["url"].removeprefix("http://testserver"))).status_code == 200
    old = await client.get(first["url"].removeprefix("http://testserver"))
    assert old.status_code == 410 and "expired" in old.text


async def test_create__unknown_class_is_404_and_creates_nobody(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    before = await snapshot(ctx)
    assert_error(await invite(client, admin, class_id=999), 404, "not_found")
    assert await snapshot(ctx) == before


async def test_create__invalid_email_is_422(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    before = await snapshot(ctx)
    assert_error(await invite(client, admin, email="not-an-address"), 422, "invalid_email")
    assert await snapshot(ctx) == before


async def test_create__schema_violations_list_each_field(
    client: AsyncClient, admin: Caller
) -> None:
    response = await client.post(
        f"{API}/invitations",
        json={"display_name": "", "language": "de", "class_id": "x"},
        headers=admin.headers,
    )
    error = assert_error(response, 422, "invalid_input")
    assert fields_in(error) == {"email", "display_name", "language", "class_id"}
    assert all(d["problem"] for d in error["details"])


async def test_create__extra_field_is_refused(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    before = await snapshot(ctx)
    response = await invite(client, admin, role="admin")
    assert fields_in(assert_error(response, 422, "invalid_input")) == {"role"}
    assert await snapshot(ctx) == before


async def test_create__suspended_member_email_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    suspended = await make_member(ctx, status=Status.SUSPENDED)
    assert_error(await invite(client, admin, email=suspended.email), 409, "duplicate_email")
    assert (await load_member(ctx, suspended.id)).status is Status.SUSPENDED
