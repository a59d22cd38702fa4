"""Ballots through the API: casting and changing, receipts, one's own ballot, hidden results,
every refusal with its status and nothing stored, and fifty simultaneous submissions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from coopfed.context import AppContext
from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.api.test_proposals_support import (
    HOUR,
    coop,
    draft,
    governance_snapshot,
    open_via_api,
    put_in_class,
    run_worker,
    schedule,
    vote,
)
from tests.integration.web_support import add_member


@pytest.fixture
async def people(ctx: AppContext) -> list[Caller]:
    return await coop(ctx, 4)


async def ballot_rows(ctx: AppContext, proposal_id: int) -> list[tuple[int, int, Any]]:
    async with ctx.session() as db:
        rows = await db.scalars(
            select(RollCallBallot).where(RollCallBallot.proposal_id == proposal_id)
        )
        return sorted((b.voter_id, b.cast_by_id, b.choice) for b in rows)


# --- casting -------------------------------------------------------------------------------


async def test_cast__returns_a_receipt_once_and_a_change_replaces_the_ballot(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    pid = opened["id"]
    first = await vote(client, people[1], pid, {"vote": "no"}, reason="Too expensive")
    assert first.status_code == 201, first.text
    cast = first.json()
    assert (cast["voter_id"], cast["cast_by_id"], cast["secret"]) == (people[1].id,) * 2 + (False,)
    assert len(cast["receipt"]) >= 16
    mine = (await client.get(f"{API}/proposals/{pid}/ballots/mine", headers=people[1].headers))
    assert mine.json()["choice"] == {"vote": "no"} and mine.json()["reason"] == "Too expensive"
    second = (await vote(client, people[1], pid, {"vote": "yes"})).json()
    assert second["receipt"] != cast["receipt"]
    assert await ballot_rows(ctx, pid) == [(people[1].id, people[1].id, {"vote": "yes"})]

    async def check(receipt: str) -> Any:
        response = await client.post(
            f"{API}/proposals/{pid}/receipt", json={"receipt": receipt}, headers=people[1].headers
        )
        assert response.status_code == 200, response.text
        return {key: value for key, value in response.json().items() if key != "proof"}

    assert await check(second["receipt"]) == {"found": True, "choice": {"vote": "yes"}}
    assert await check(cast["receipt"]) == {"found": False, "choice": None}  # replaced
    nobody = await client.get(f"{API}/proposals/{pid}/ballots/mine", headers=people[2].headers)
    assert nobody.json() == {"voted": False}


async def test_cast__secret_ballot_is_stored_apart_and_mine_says_only_voted(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    opened = await open_via_api(
        client, ctx, people[0], kind="member_admission", title="Admit New",
        subject_member_id=applicant.id,
    )
    cast = await vote(client, people[1], opened["id"], {"vote": "yes"})
    assert cast.status_code == 201 and cast.json()["secret"] is True
    mine = await client.get(f"{API}/proposals/{opened['id']}/ballots/mine",
                            headers=people[1].headers)
    assert mine.json() == {"voted": True}
    async with ctx.session() as db:
        assert await db.scalar(select(func.count()).select_from(SecretBallot)) == 1
        assert await db.scalar(select(func.count()).select_from(VoterRecord)) == 1
        assert await db.scalar(select(func.count()).select_from(RollCallBallot)) == 0
    checked = await client.post(f"{API}/proposals/{opened['id']}/receipt",
                                json={"receipt": cast.json()["receipt"]}, headers=people[1].headers)
    assert checked.json()["found"] is True and checked.json()["choice"] == {"vote": "yes"}
    assert checked.json()["proof"]["leaf"]["kind"] == "secret"


async def test_cast__by_a_proxy_holder_counts_for_the_giver(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    given = await client.post(f"{API}/proxies", json={"holder_id": people[1].id},
                              headers=people[3].headers)
    assert given.status_code == 201, given.text
    response = await vote(client, people[1], opened["id"], {"vote": "no"},
                          on_behalf_of=people[3].id)
    assert response.status_code == 201, response.text
    assert (response.json()["voter_id"], response.json()["cast_by_id"]) == (
        people[3].id, people[1].id)
    # The giver's own ballot then overrides it, and the holder can no longer replace it.
    assert (await vote(client, people[3], opened["id"], {"vote": "yes"})).status_code == 201
    before = await governance_snapshot(ctx)
    again = await vote(client, people[1], opened["id"], {"vote": "no"}, on_behalf_of=people[3].id)
    assert_error(again, 409, "voter_voted_directly")
    assert await governance_snapshot(ctx) == before
    assert await ballot_rows(ctx, opened["id"]) == [(people[3].id, people[3].id, {"vote": "yes"})]


# --- refusals: status code, error code, nothing stored -------------------------------------


async def test_cast__by_an_applicant_is_403(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    applicant = await make_member(ctx, status=Status.APPLICANT)
    outsider = Caller(applicant, await make_token(ctx, applicant))
    before = await governance_snapshot(ctx)
    assert_error(await vote(client, outsider, opened["id"], {"vote": "yes"}), 403, "not_member")
    assert await governance_snapshot(ctx) == before


async def test_cast__by_a_member_admitted_after_opening_is_403(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    late = await make_member(ctx)
    newcomer = Caller(late, await make_token(ctx, late))
    before = await governance_snapshot(ctx)
    response = await vote(client, newcomer, opened["id"], {"vote": "yes"})
    assert_error(response, 403, "not_eligible")  # the electorate froze at opening
    assert await governance_snapshot(ctx) == before


async def test_cast__from_a_class_the_kind_excludes_is_403(
    client: AsyncClient, ctx: AppContext
) -> None:
    # Multi-stakeholder bylaws: supporters do not vote on admissions.
    worker, user, supporter = await coop(ctx, 3, preset="multi_stakeholder")
    for who, slug in ((worker, "worker"), (user, "user"), (supporter, "supporter")):
        await put_in_class(ctx, who, slug)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    opened = await open_via_api(client, ctx, worker, kind="member_admission",
                                subject_member_id=applicant.id)
    assert opened["turnout"]["electorate"] == 2
    before = await governance_snapshot(ctx)
    error = assert_error(await vote(client, supporter, opened["id"], {"vote": "yes"}), 403,
                         "not_eligible")
    assert "electorate" in error["message"]
    assert await governance_snapshot(ctx) == before
    assert (await vote(client, user, opened["id"], {"vote": "yes"})).status_code == 201


async def test_cast__before_opening_is_409(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    created = await draft(client, people[0])
    draft_vote = await vote(client, people[1], created["id"], {"vote": "yes"})
    assert_error(draft_vote, 409, "voting_closed")
    await schedule(client, people[0], created["id"], clock.now() + HOUR, clock.now() + 50 * HOUR)
    before = await governance_snapshot(ctx)
    error = assert_error(await vote(client, people[1], created["id"], {"vote": "yes"}), 409,
                         "voting_closed")
    assert "scheduled" in error["message"]
    assert await governance_snapshot(ctx) == before


async def test_cast__from_the_closing_time_on_is_409(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0], hours=48)
    assert (await vote(client, people[1], opened["id"], {"vote": "yes"})).status_code == 201
    clock.advance(48 * HOUR)  # closing time reached, the worker has not run yet
    before = await governance_snapshot(ctx)
    assert_error(await vote(client, people[1], opened["id"], {"vote": "no"}), 409,
                 "voting_closed")
    assert await governance_snapshot(ctx) == before
    await run_worker(ctx)
    before = await governance_snapshot(ctx)
    error = assert_error(await vote(client, people[2], opened["id"], {"vote": "no"}), 409,
                         "voting_closed")
    assert "no_quorum" in error["message"]  # one voter of four: under the quorum
    assert await governance_snapshot(ctx) == before


@pytest.mark.parametrize(
    ("kind", "choice", "reason", "code"),
    [
        ("ordinary", {"vote": "maybe"}, "", "invalid_choice"),
        ("ordinary", {}, "", "invalid_choice"),
        ("ordinary", {"approve": ["o1"]}, "", "invalid_choice"),
        ("ordinary", {"vote": "yes"}, "x" * 5001, "invalid_choice"),
        ("choice", {"approve": ["o9"]}, "", "invalid_choice"),
        ("choice", {"approve": ["o1", "o2"]}, "", "invalid_choice"),  # at most 1 here
        ("choice", {"approve": "o1"}, "", "invalid_choice"),
        ("choice", {"approve": ["o1", "o1"]}, "", "invalid_choice"),
        ("choice", {"vote": "yes"}, "", "invalid_choice"),
        ("consent", {"vote": "block"}, "", "block_needs_reason"),
        ("consent", {"vote": "block"}, "   ", "block_needs_reason"),
        ("consent", {"vote": "yes"}, "", "invalid_choice"),
    ],
    ids=[
        "majority-unknown-vote", "majority-empty", "majority-approval-shape", "reason-too-long",
        "approval-unknown-option", "approval-too-many", "approval-not-a-list",
        "approval-twice", "approval-majority-shape", "block-without-reason",
        "block-blank-reason", "consent-majority-vote",
    ],
)
async def test_cast__invalid_choice_is_422_and_stores_nothing(
    client: AsyncClient, ctx: AppContext, kind: str, choice: dict[str, Any], reason: str,
    code: str,
) -> None:
    people = await coop(ctx, 2, preset="multi_stakeholder" if kind == "consent" else "worker_coop")
    options = ["Frame", "Think"] if kind == "choice" else []
    opened = await open_via_api(client, ctx, people[0], kind=kind, options=options)
    before = await governance_snapshot(ctx)
    assert_error(await vote(client, people[1], opened["id"], choice, reason=reason), 422, code)
    assert await governance_snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [{"choice": "yes"}, {"choice": ["yes"]}, {}, {"choice": {"vote": "yes"}, "on_behalf_of": "x"}],
    ids=["string", "list", "missing", "bad-proxy-id"],
)
async def test_cast__body_of_the_wrong_shape_is_422(
    client: AsyncClient, ctx: AppContext, people: list[Caller], body: dict[str, Any]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    before = await governance_snapshot(ctx)
    response = await client.post(f"{API}/proposals/{opened['id']}/ballots", json=body,
                                 headers=people[1].headers)
    assert_error(response, 422, "invalid_input")
    assert await governance_snapshot(ctx) == before


async def test_cast__for_someone_without_their_proxy_is_403(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0])
    before = await governance_snapshot(ctx)
    response = await vote(client, people[1], opened["id"], {"vote": "yes"},
                          on_behalf_of=people[2].id)
    assert_error(response, 403, "no_proxy")
    assert await governance_snapshot(ctx) == before


# --- results stay hidden until close -------------------------------------------------------


async def test_ballots__hidden_until_close_except_turnout(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[0], hours=48)
    url = f"{API}/proposals/{opened['id']}/ballots"
    await vote(client, people[1], opened["id"], {"vote": "yes"}, reason="Good coffee")
    await vote(client, people[2], opened["id"], {"vote": "no"})
    error = assert_error(await client.get(url, headers=people[0].headers), 409, "results_hidden")
    assert "hidden until close" in error["message"]
    turnout = (await client.get(f"{url}?view=turnout", headers=people[0].headers)).json()
    assert turnout == {
        "proposal_id": opened["id"], "secret": False,
        "turnout": {"voters": 2, "electorate": 4, "share": "0.5"},
        "count": None, "ballots": None,
    }
    assert_error(await client.get(f"{url}?view=all", headers=people[0].headers), 422)
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    after = (await client.get(url, headers=people[3].headers)).json()
    assert after["count"] == 2
    assert [(b["voter_id"], b["voter"], b["cast_by_id"], b["choice"], b["reason"])
            for b in after["ballots"]] == [
        (people[1].id, people[1].member.username, people[1].id, {"vote": "yes"}, "Good coffee"),
        (people[2].id, people[2].member.username, people[2].id, {"vote": "no"}, ""),
    ]


async def test_ballots__of_a_secret_vote_after_close_are_a_count_only(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    opened = await open_via_api(client, ctx, people[0], kind="member_admission",
                                subject_member_id=applicant.id, hours=48)
    for who in people[:3]:
        assert (await vote(client, who, opened["id"], {"vote": "yes"})).status_code == 201
    url = f"{API}/proposals/{opened['id']}/ballots"
    assert_error(await client.get(url, headers=people[0].headers), 409, "results_hidden")
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    after = (await client.get(url, headers=people[3].headers)).json()
    assert after == {
        "proposal_id": opened["id"], "secret": True,
        "turnout": {"voters": 3, "electorate": 4, "share": "0.75"},
        "count": 3, "ballots": None,
    }


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True], ids=["roll-call", "secret"])
async def test_fifty_simultaneous_submissions__leave_exactly_one_ballot(
    client: AsyncClient, ctx: AppContext, people: list[Caller], secret: bool
) -> None:
    fields: dict[str, Any] = {}
    if secret:
        applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT)
        fields = {"kind": "member_admission", "subject_member_id": applicant.id}
    opened = await open_via_api(client, ctx, people[0], **fields)
    answers = ("yes", "no", "abstain")
    responses = await asyncio.gather(
        *(vote(client, people[1], opened["id"], {"vote": answers[n % 3]}) for n in range(50))
    )
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses]
    async with ctx.session() as db:
        if secret:
            assert await db.scalar(select(func.count()).select_from(SecretBallot)) == 1
            assert await db.scalar(select(func.count()).select_from(VoterRecord)) == 1
        else:
            assert await db.scalar(select(func.count()).select_from(RollCallBallot)) == 1
    # Exactly one of the fifty receipts is the counted ballot's.
    found = []
    for response in responses:
        checked = await client.post(
            f"{API}/proposals/{opened['id']}/receipt",
            json={"receipt": response.json()["receipt"]}, headers=people[1].headers,
        )
        found.append(checked.json()["found"])
    assert found.count(True) == 1
