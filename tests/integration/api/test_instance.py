"""``GET /api/v1/instance``: public facts about the co-op."""

from __future__ import annotations

from httpx import AsyncClient

from coopfed.context import AppContext
from tests.integration.api.conftest import API, Caller, assert_error, make_admin_by_setup


async def test_get_instance__before_setup_is_public_and_says_not_set_up(
    client: AsyncClient, ctx: AppContext
) -> None:
    response = await client.get(f"{API}/instance")
    assert response.status_code == 200
    assert response.json() == {
        "name": "",
        "domain": "testserver",
        "languages": ["en", "fr"],
        "set_up": False,
    }


async def test_get_instance__after_setup_shows_the_name(
    client: AsyncClient, ctx: AppContext
) -> None:
    await make_admin_by_setup(ctx)
    body = (await client.get(f"{API}/instance")).json()
    assert body["name"] == "Tech Co-op" and body["set_up"] is True


async def test_get_instance__with_a_valid_token_is_the_same(
    client: AsyncClient, admin: Caller
) -> None:
    anonymous = (await client.get(f"{API}/instance")).json()
    signed = await client.get(f"{API}/instance", headers=admin.headers)
    assert signed.json() == anonymous


async def test_get_instance__with_a_bad_token_is_401(client: AsyncClient, admin: Caller) -> None:
    # A caller that presents credentials is told they are wrong, even on a public endpoint.
    response = await client.get(f"{API}/instance", headers={"Authorization": "Bearer cfp_nope"})
    assert_error(response, 401, "unauthenticated")


async def test_get_instance__other_methods_are_405_with_allow(client: AsyncClient) -> None:
    response = await client.post(f"{API}/instance", json={})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers.get("allow", "")


async def test_unknown_api_path__is_a_json_404(client: AsyncClient) -> None:
    assert_error(await client.get(f"{API}/nothing-here"), 404, "not_found")
    assert_error(await client.get(f"{API}/members/not-a-number"), 404, "not_found")
