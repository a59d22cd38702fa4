"""Ranked methods (Schulze, single transferable vote, instant-runoff) through the API: bylaws
kinds choose them, members send a ranking, the worker counts at close, and the result carries
the pairwise matrix or every round. Bad rankings are refused with 422 and store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from coopfed.context import AppContext
from governance.bylaws import store
from governance.bylaws.document import parse_bylaws
from governance.clock import ManualClock
from governance.errors import InvalidInput
from governance.member import Role
from governance.proposal import counting, service
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.api.test_proposals_support import (
    HOUR,
    governance_snapshot,
    open_via_api,
    run_worker,
    vote,
)


def kind(method: str, **rules: Any) -> dict[str, Any]:
    return {
        "label": method.title(), "method": method, "quorum": "0", "threshold": "0.5",
        "min_voting_hours": 24, "max_voting_hours": 240, **rules,
    }


BYLAWS = {
    "title": "Ranked",
    "preset": "custom",
    "text": "For tests.",
    "kinds": {
        "plan": kind("schulze"),
        "board": kind("stv", seats=2),
        "runoff": kind("instant_runoff", max_choices=2),
        "secret_board": kind("stv", seats=2, secret=True),
        "council": kind("stv", seats=3),
        "amendment": kind("majority", effect="amend_bylaws"),
    },
}


@pytest.fixture
async def voters(ctx: AppContext) -> list[Caller]:
    async with ctx.session() as db:
        await store.install_at_setup(db, parse_bylaws(BYLAWS), by=None, now=ctx.clock.now())
        await db.commit()
    people = []
    for n in range(4):
        member = await make_member(ctx, role=Role.ADMIN if n == 0 else Role.MEMBER)
        people.append(Caller(member, await make_token(ctx, member)))
    return people


async def _close(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, who: Caller, proposal_id: int
) -> dict[str, Any]:
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    response = await client.get(f"{API}/proposals/{proposal_id}/result", headers=who.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    async with ctx.session() as db:
        proposal = await service.get(db, proposal_id)
        reference = counting.result_to_json(
            await counting.count_per_ballot(db, proposal),
            secret=bool(proposal.rules.get("secret")),
        )
    assert {k: v for k, v in result.items() if k not in ("proposal_id", "status")} == reference
    return result


async def test_schulze_plan__condorcet_winner_wins_with_the_pairwise_matrix(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, voters: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind="plan",
                                options=["Alpha", "Beta", "Gamma"], hours=48)
    assert opened["rules"]["method"] == "schulze"
    rankings = (["o1", "o2", "o3"], ["o2", "o1"], ["o1", "o3"], ["o3", "o1"])
    for who, ranking in zip(voters, rankings, strict=True):
        response = await vote(client, who, opened["id"], {"ranking": ranking})
        assert response.status_code == 201, response.text
    result = await _close(client, ctx, clock, voters[1], opened["id"])
    assert result["outcome"] == "passed"
    assert result["winners"] == ["o1"]
    assert result["totals"] == {"o1": "2", "o2": "1", "o3": "1"}
    # Alpha over Beta: three ballots (Beta is unranked on two of them); Beta over Alpha: one.
    assert result["details"]["options"] == ["o1", "o2", "o3"]
    assert result["details"]["pairwise"][0][1] == "3"
    assert result["details"]["pairwise"][1][0] == "1"
    assert "strongest_paths" in result["details"]


@pytest.mark.parametrize("kind_key", ["board", "secret_board"])
async def test_stv_board__elects_two_with_every_stage(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, voters: list[Caller], kind_key: str
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind=kind_key,
                                options=["Ana", "Ben", "Cleo", "Dev"], hours=48)
    assert opened["rules"]["seats"] == 2
    rankings = (["o1", "o2"], ["o1", "o2"], ["o1", "o2"], ["o3"])
    for who, ranking in zip(voters, rankings, strict=True):
        response = await vote(client, who, opened["id"], {"ranking": ranking})
        assert response.status_code == 201, response.text
    result = await _close(client, ctx, clock, voters[1], opened["id"])
    assert result["outcome"] == "passed"
    assert sorted(result["winners"]) == ["o1", "o3"]
    assert result["details"]["quota"] == "2"
    stages = result["details"]["rounds"]
    assert stages[0]["type"] == "first_preferences"
    assert stages[0]["elected"] == ["o1"]
    assert len(stages) >= 2


async def test_instant_runoff__partial_rankings_and_rounds(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, voters: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind="runoff",
                                options=["Red", "Green", "Blue"], hours=48)
    rankings: tuple[list[str], ...] = (["o1"], ["o2", "o1"], ["o1", "o2"], [])
    for who, ranking in zip(voters, rankings, strict=True):
        response = await vote(client, who, opened["id"], {"ranking": ranking})
        assert response.status_code == 201, response.text
    result = await _close(client, ctx, clock, voters[0], opened["id"])
    assert result["winners"] == ["o1"]
    assert result["details"]["rounds"][0]["totals"]["o1"] == "2"


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"ranking": ["o1", "o1"]}, "Each option can be ranked only once."),
        ({"ranking": ["o1", "o9"]}, "Unknown option(s): o9."),
        ({"ranking": "o1"}, "Rank the options, most preferred first"),
        ({"ranking": [1, 2]}, "Rank the options, most preferred first"),
        ({"vote": "yes"}, "Rank the options, most preferred first"),
    ],
)
async def test_bad_ranking__is_refused_with_422_and_stores_nothing(
    client: AsyncClient, ctx: AppContext, voters: list[Caller], choice: dict[str, Any],
    message: str,
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind="plan",
                                options=["Alpha", "Beta", "Gamma"], hours=48)
    before = await governance_snapshot(ctx)
    error = assert_error(await vote(client, voters[1], opened["id"], choice), 422)
    assert error["code"] == "invalid_choice"
    assert message in error["message"]
    assert await governance_snapshot(ctx) == before


async def test_ranking_longer_than_max_choices__is_refused(
    client: AsyncClient, ctx: AppContext, voters: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind="runoff",
                                options=["Red", "Green", "Blue"], hours=48)
    before = await governance_snapshot(ctx)
    response = await vote(client, voters[1], opened["id"], {"ranking": ["o1", "o2", "o3"]})
    assert "Rank at most 2 option(s)." in assert_error(response, 422)["message"]
    assert await governance_snapshot(ctx) == before


async def test_stv_with_fewer_options_than_seats__cannot_be_drafted(
    client: AsyncClient, voters: list[Caller]
) -> None:
    response = await client.post(
        f"{API}/proposals",
        json={"kind": "board", "title": "Board", "options": ["Ana", "Ben"]},
        headers=voters[0].headers,
    )
    assert response.status_code == 201, response.text  # as many options as seats is allowed
    response = await client.post(
        f"{API}/proposals",
        json={"kind": "council", "title": "Council", "options": ["Ana", "Ben"]},
        headers=voters[0].headers,
    )
    error = assert_error(response, 422)
    assert error["code"] == "invalid_options"
    assert "fills 3 seats" in error["message"]


@pytest.mark.parametrize(
    "rules",
    [{"method": "schulze", "seats": 2}, {"method": "stv", "seats": 0},
     {"method": "stv", "seats": "2"}, {"method": "majority", "seats": 3}],
)
def test_bylaws_seats__only_for_stv_and_a_whole_number(rules: dict[str, Any]) -> None:
    document = {**BYLAWS, "kinds": {**BYLAWS["kinds"], "bad": kind(**rules)}}  # type: ignore[dict-item]
    with pytest.raises(InvalidInput):
        parse_bylaws(document)


def test_bylaws_seats__round_trip() -> None:
    parsed = parse_bylaws(BYLAWS)
    assert parsed.kinds["board"].seats == 2
    assert parsed.kinds["plan"].seats == 1
    assert parse_bylaws(parsed.to_json()) == parsed
