"""``/me``: the caller's account and personal access tokens."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from coopfed.auth import api_token
from coopfed.context import AppContext
from governance.clock import ManualClock
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    fields_in,
    load_member,
    make_token,
    snapshot,
)


async def test_get_me__shows_own_private_fields(client: AsyncClient, member: Caller) -> None:
    response = await client.get(f"{API}/me", headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == member.id
    assert body["username"] == "bea"
    assert body["email"] == "bea@example.org"
    assert body["language"] == "en"
    assert body["status"] == "member" and body["role"] == "member"


async def test_patch_me__changes_name_and_language(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    response = await client.patch(
        f"{API}/me", json={"display_name": "  Béa   Dupont ", "language": "fr"},
        headers=member.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Béa Dupont"
    stored = await load_member(ctx, member.id)
    assert (stored.display_name, stored.language) == ("Béa Dupont", "fr")


async def test_patch_me__empty_body_object_changes_nothing(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(f"{API}/me", json={}, headers=member.headers)
    assert response.status_code == 200
    assert (await snapshot(ctx))["members"] == before["members"]


async def test_patch_me__unsupported_language_is_422_naming_the_field(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(f"{API}/me", json={"language": "de"}, headers=member.headers)
    assert fields_in(assert_error(response, 422, "invalid_input")) == {"language"}
    assert await snapshot(ctx) == before


async def test_patch_me__blank_display_name_is_422(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(f"{API}/me", json={"display_name": "   "}, headers=member.headers)
    assert_error(response, 422)
    assert await snapshot(ctx) == before


async def test_patch_me__role_is_an_unknown_field(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    response = await client.patch(f"{API}/me", json={"role": "admin"}, headers=member.headers)
    assert "role" in fields_in(assert_error(response, 422, "invalid_input"))
    assert (await load_member(ctx, member.id)).role.value == "member"


async def test_list_tokens__shows_hints_never_secrets(client: AsyncClient, member: Caller) -> None:
    response = await client.get(f"{API}/me/tokens", headers=member.headers)
    assert response.status_code == 200
    (row,) = response.json()
    assert row["name"] == "tests"
    assert member.token.startswith(row["hint"]) and row["hint"] != member.token
    assert "token" not in row
    assert member.token not in response.text


async def test_list_tokens__only_the_callers_own(
    client: AsyncClient, admin: Caller, member: Caller
) -> None:
    mine = (await client.get(f"{API}/me/tokens", headers=member.headers)).json()
    theirs = (await client.get(f"{API}/me/tokens", headers=admin.headers)).json()
    assert {t["id"] for t in mine}.isdisjoint({t["id"] for t in theirs})


async def test_create_token__returns_a_secret_that_works(
    client: AsyncClient, clock: ManualClock, member: Caller
) -> None:
    expires = (clock.now() + timedelta(days=30)).isoformat()
    response = await client.post(
        f"{API}/me/tokens", json={"name": "ci", "expires_at": expires}, headers=member.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("cfp_") and body["name"] == "ci"
    assert body["expires_at"].startswith("2026-12-25")
    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == member.id


async def test_create_token__naive_expiry_is_422(client: AsyncClient, member: Caller) -> None:
    response = await client.post(
        f"{API}/me/tokens", json={"name": "ci", "expires_at": "2027-01-01T00:00:00"},
        headers=member.headers,
    )
    assert_error(response, 422, "invalid_input")


async def test_create_token__expiry_in_the_past_is_422(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, member: Caller
) -> None:
    before = await snapshot(ctx)
    past = (clock.now() - timedelta(seconds=1)).isoformat()
    response = await client.post(
        f"{API}/me/tokens", json={"name": "ci", "expires_at": past}, headers=member.headers
    )
    assert_error(response, 422, "invalid_expiry")
    assert await snapshot(ctx) == before


async def test_create_token__missing_and_too_long_name_are_422(
    client: AsyncClient, member: Caller
) -> None:
    missing = await client.post(f"{API}/me/tokens", json={}, headers=member.headers)
    assert fields_in(assert_error(missing, 422)) == {"name"}
    long = await client.post(f"{API}/me/tokens", json={"name": "x" * 81}, headers=member.headers)
    assert fields_in(assert_error(long, 422)) == {"name"}


async def test_revoke_token__stops_it_working(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    spare = await make_token(ctx, member.member, name="spare")
    spare_headers = {"Authorization": f"Bearer {spare}"}
    listed = (await client.get(f"{API}/me/tokens", headers=member.headers)).json()
    spare_id = next(t["id"] for t in listed if t["name"] == "spare")
    response = await client.delete(f"{API}/me/tokens/{spare_id}", headers=member.headers)
    assert response.status_code == 204 and response.content == b""
    assert_error(await client.get(f"{API}/me", headers=spare_headers), 401)
    remaining = (await client.get(f"{API}/me/tokens", headers=member.headers)).json()
    assert [t["name"] for t in remaining] == ["tests"]


async def test_revoke_token__the_one_in_use_works_and_ends_it(
    client: AsyncClient, member: Caller
) -> None:
    (row,) = (await client.get(f"{API}/me/tokens", headers=member.headers)).json()
    assert (await client.delete(f"{API}/me/tokens/{row['id']}", headers=member.headers)).status_code == 204
    assert_error(await client.get(f"{API}/me", headers=member.headers), 401)


async def test_revoke_token__unknown_id_is_404(client: AsyncClient, member: Caller) -> None:
    assert_error(await client.delete(f"{API}/me/tokens/9999", headers=member.headers), 404)


async def test_revoke_token__someone_elses_is_404_and_stays_valid(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    async with ctx.session() as db:
        (admins_token,) = await api_token.list_for(db, admin.id)
    response = await client.delete(f"{API}/me/tokens/{admins_token.id}", headers=member.headers)
    assert_error(response, 404, "not_found")
    assert (await client.get(f"{API}/me", headers=admin.headers)).status_code == 200


async def test_revoke_token__twice_is_404(client: AsyncClient, ctx: AppContext, member: Caller) -> None:
    spare = await make_token(ctx, member.member, name="spare")
    async with ctx.session() as db:
        rows = await api_token.list_for(db, member.id)
    spare_id = next(r.id for r in rows if spare.startswith(r.hint) and r.name == "spare")
    assert (await client.delete(f"{API}/me/tokens/{spare_id}", headers=member.headers)).status_code == 204
    assert_error(await client.delete(f"{API}/me/tokens/{spare_id}", headers=member.headers), 404)
