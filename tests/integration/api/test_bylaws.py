"""The bylaws through the API: the version in force, the history, one version."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from coopfed.context import AppContext
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.api.test_proposals_support import (
    HOUR,
    coop,
    draft,
    run_worker,
    schedule,
    vote,
)


async def test_current__shows_the_preset_with_its_kinds(
    client: AsyncClient, ctx: AppContext
) -> None:
    people = await coop(ctx, 1, preset="multi_stakeholder")
    response = await client.get(f"{API}/bylaws", headers=people[0].headers)
    assert response.status_code == 200, response.text
    bylaws = response.json()
    assert (bylaws["version"], bylaws["preset"], bylaws["adopted_by_proposal_id"]) == (
        1, "multi_stakeholder", None)
    admission = bylaws["kinds"]["member_admission"]
    assert admission["eligible_classes"] == ["worker", "user"]
    assert admission["secret"] is True and admission["quorum"] == "0.25"
    assert bylaws["kinds"]["bylaws_amendment"]["threshold"] == "2/3"


async def test_an_applicant__may_read_the_bylaws(client: AsyncClient, ctx: AppContext) -> None:
    await coop(ctx, 1)
    applicant = await make_member(ctx, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    assert (await client.get(f"{API}/bylaws", headers=headers)).status_code == 200


async def test_without_bylaws__current_is_404_and_history_empty(
    client: AsyncClient, admin: Caller
) -> None:
    assert_error(await client.get(f"{API}/bylaws", headers=admin.headers), 404, "no_bylaws")
    assert (await client.get(f"{API}/bylaws/versions", headers=admin.headers)).json() == []
    assert_error(await client.get(f"{API}/bylaws/versions/1", headers=admin.headers), 404)


async def test_a_passed_amendment__adds_version_2_and_keeps_version_1(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop(ctx, 3)
    current = (await client.get(f"{API}/bylaws", headers=people[0].headers)).json()
    document = {key: current[key] for key in ("title", "preset", "text", "kinds")}
    document["kinds"]["ordinary"]["quorum"] = "0.1"
    created = await draft(client, people[0], kind="bylaws_amendment", title="Lower quorum",
                          proposed_bylaws=document)
    week = timedelta(days=7)
    await schedule(client, people[0], created["id"], clock.now() + week, clock.now() + 2 * week)
    clock.advance(week)
    await run_worker(ctx)
    for who in people:
        assert (await vote(client, who, created["id"], {"vote": "yes"})).status_code == 201
    clock.advance(week + HOUR)
    await run_worker(ctx)
    history = (await client.get(f"{API}/bylaws/versions", headers=people[1].headers)).json()
    assert [(v["version"], v["adopted_by_proposal_id"]) for v in history] == [
        (2, created["id"]), (1, None)]
    now = (await client.get(f"{API}/bylaws", headers=people[1].headers)).json()
    assert now["version"] == 2 and now["kinds"]["ordinary"]["quorum"] == "0.1"
    first = (await client.get(f"{API}/bylaws/versions/1", headers=people[1].headers)).json()
    assert first["kinds"]["ordinary"]["quorum"] == "0.5"
    assert_error(await client.get(f"{API}/bylaws/versions/3", headers=people[1].headers), 404)
