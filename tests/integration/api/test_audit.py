"""``GET /api/v1/audit``: the admins' view of the audit log."""

from __future__ import annotations

from httpx import AsyncClient

from coopfed.context import AppContext
from governance import audit
from tests.integration.api.conftest import API, Caller, make_class


async def test_list__newest_first_with_actor_and_details(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    await client.post(
        f"{API}/membership-classes", json={"slug": "worker", "name": "W", "vote_weight": "1"},
        headers=admin.headers,
    )
    response = await client.get(f"{API}/audit", headers=admin.headers)
    assert response.status_code == 200
    rows = response.json()
    assert rows[0]["action"] == "class.create" and rows[0]["actor_id"] == admin.id
    assert rows[0]["details"]["vote_weight"] == "1"
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert {"member.invite", "member.set_role", "token.create"} <= {r["action"] for r in rows}


async def test_list__pages_backwards_with_before_and_limit(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    for n in range(5):
        await make_class(ctx, f"class{n}")
    async with ctx.session() as db:
        total = await audit.count(db)
    first = (await client.get(f"{API}/audit?limit=3", headers=admin.headers)).json()
    assert len(first) == 3
    rest = (
        await client.get(f"{API}/audit?limit=500&before={first[-1]['id']}", headers=admin.headers)
    ).json()
    assert len(first) + len(rest) == total
    assert {r["id"] for r in first}.isdisjoint({r["id"] for r in rest})


async def test_list__nonsense_paging_values_fall_back_to_defaults(
    client: AsyncClient, admin: Caller
) -> None:
    for query in ("limit=-1", "limit=abc", "limit=0", "before=xyz"):
        response = await client.get(f"{API}/audit?{query}", headers=admin.headers)
        assert response.status_code == 200, query
        assert 0 < len(response.json()) <= 50
