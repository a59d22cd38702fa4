"""Proxies through the API: give, list, take back; the bylaws' limit and the other refusals
store nothing."""

from __future__ import annotations

import pytest
from httpx import AsyncClient, Response

from coopfed.context import AppContext
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error, make_member
from tests.integration.api.test_proposals_support import (
    HOUR,
    coop,
    draft,
    governance_snapshot,
    open_via_api,
    run_worker,
    vote,
)


@pytest.fixture
async def people(ctx: AppContext) -> list[Caller]:
    return await coop(ctx, 4)


async def give(
    client: AsyncClient, giver: Caller, holder_id: int, proposal_id: int | None = None
) -> Response:
    body = {"holder_id": holder_id, "proposal_id": proposal_id}
    return await client.post(f"{API}/proxies", json=body, headers=giver.headers)


async def test_give_list_and_revoke(client: AsyncClient, people: list[Caller]) -> None:
    response = await give(client, people[1], people[2].id)
    assert response.status_code == 201, response.text
    given = response.json()
    assert (given["giver_id"], given["holder_id"], given["proposal_id"]) == (
        people[1].id, people[2].id, None)
    mine = (await client.get(f"{API}/proxies", headers=people[1].headers)).json()
    assert [p["id"] for p in mine["given"]] == [given["id"]] and mine["held"] == []
    theirs = (await client.get(f"{API}/proxies", headers=people[2].headers)).json()
    assert [p["id"] for p in theirs["held"]] == [given["id"]] and theirs["given"] == []
    # A new standing proxy replaces the earlier one.
    replaced = (await give(client, people[1], people[3].id)).json()
    mine = (await client.get(f"{API}/proxies", headers=people[1].headers)).json()
    assert [p["id"] for p in mine["given"]] == [replaced["id"]]
    gone = await client.delete(f"{API}/proxies/{replaced['id']}", headers=people[1].headers)
    assert gone.status_code == 204
    assert (await client.get(f"{API}/proxies", headers=people[1].headers)).json()["given"] == []


async def test_revoke__someone_elses_or_unknown_proxy_is_404(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    given = (await give(client, people[1], people[2].id)).json()
    before = await governance_snapshot(ctx)
    for who, proxy_id in ((people[2], given["id"]), (people[1], 999)):
        response = await client.delete(f"{API}/proxies/{proxy_id}", headers=who.headers)
        assert_error(response, 404, "not_found")
    assert await governance_snapshot(ctx) == before


async def test_give__beyond_the_bylaws_limit_is_409(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    # worker_coop: one proxy per holder.
    opened = await open_via_api(client, ctx, people[0])
    assert (await give(client, people[1], people[3].id, opened["id"])).status_code == 201
    before = await governance_snapshot(ctx)
    error = assert_error(await give(client, people[2], people[3].id, opened["id"]), 409,
                         "proxy_limit")
    assert "(1)" in error["message"]
    assert await governance_snapshot(ctx) == before


async def test_give__to_oneself_is_422(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    before = await governance_snapshot(ctx)
    assert_error(await give(client, people[1], people[1].id), 422, "proxy_to_self")
    assert await governance_snapshot(ctx) == before


@pytest.mark.parametrize("status", [Status.APPLICANT, Status.SUSPENDED])
async def test_give__to_someone_not_admitted_is_422(
    client: AsyncClient, ctx: AppContext, people: list[Caller], status: Status
) -> None:
    other = await make_member(ctx, status=status)
    before = await governance_snapshot(ctx)
    assert_error(await give(client, people[1], other.id), 422, "holder_not_member")
    assert await governance_snapshot(ctx) == before


async def test_give__to_an_unknown_member_or_for_an_unknown_proposal_is_404(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    before = await governance_snapshot(ctx)
    assert_error(await give(client, people[1], 999), 404)
    assert_error(await give(client, people[1], people[2].id, 999), 404)
    assert await governance_snapshot(ctx) == before


async def test_give__for_a_draft_or_closed_proposal_is_409(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    created = await draft(client, people[0])
    opened = await open_via_api(client, ctx, people[0], hours=48)
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    before = await governance_snapshot(ctx)
    for proposal_id in (created["id"], opened["id"]):
        assert_error(await give(client, people[1], people[2].id, proposal_id), 409,
                     "proposal_not_open")
    assert await governance_snapshot(ctx) == before


async def test_proxy_for_one_proposal__beats_the_standing_one(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    await give(client, people[3], people[1].id)  # standing, to 1
    await give(client, people[3], people[2].id, opened["id"])  # this proposal, to 2
    before = await governance_snapshot(ctx)
    refused = await vote(client, people[1], opened["id"], {"vote": "no"},
                         on_behalf_of=people[3].id)
    assert_error(refused, 403, "no_proxy")
    assert await governance_snapshot(ctx) == before
    accepted = await vote(client, people[2], opened["id"], {"vote": "yes"},
                          on_behalf_of=people[3].id)
    assert accepted.status_code == 201, accepted.text
