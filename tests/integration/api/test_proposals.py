"""Proposals through the API: drafting, editing, scheduling, withdrawing, listing, the outcome,
the discussion; and every refusal leaves the database as it was."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from openapi_schema_validator import OAS31Validator

from coopfed.context import AppContext
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.api.test_proposals_support import (
    HOUR,
    coop,
    draft,
    governance_snapshot,
    iso,
    open_via_api,
    run_worker,
    schedule,
    vote,
)


@pytest.fixture
async def people(ctx: AppContext) -> list[Caller]:
    return await coop(ctx, 3)


# --- drafting and editing ------------------------------------------------------------------


async def test_create__makes_a_draft_with_the_kind_rules_and_options(
    client: AsyncClient, people: list[Caller]
) -> None:
    created = await draft(
        client, people[1], kind="choice", title="  Which   laptop? ", body="**Pick** one",
        options=["Frame", "Think", "Book"],
    )
    assert created["status"] == "draft"
    assert created["title"] == "Which laptop?"
    assert created["author_id"] == people[1].id
    assert "<strong>Pick</strong>" in created["body_html"]
    assert [(o["key"], o["label"]) for o in created["options"]] == [
        ("o1", "Frame"), ("o2", "Think"), ("o3", "Book"),
    ]
    assert created["rules"]["method"] == "approval"
    assert created["rules"]["quorum"] == "0.25"  # shares are strings
    assert created["turnout"] is None and created["opens_at"] is None


async def test_patch__changes_only_what_is_sent(
    client: AsyncClient, people: list[Caller]
) -> None:
    created = await draft(client, people[1], kind="choice", options=["A", "B"], body="Why")
    response = await client.patch(
        f"{API}/proposals/{created['id']}", json={"options": ["A", "B", "C"]},
        headers=people[1].headers,
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert [o["label"] for o in changed["options"]] == ["A", "B", "C"]
    assert (changed["title"], changed["body"]) == (created["title"], "Why")


async def test_patch__by_an_admin_is_allowed_and_by_another_member_refused(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    created = await draft(client, people[1])
    url = f"{API}/proposals/{created['id']}"
    ok = await client.patch(url, json={"title": "Admin edit"}, headers=people[0].headers)
    assert ok.status_code == 200 and ok.json()["title"] == "Admin edit"
    before = await governance_snapshot(ctx)
    refused = await client.patch(url, json={"title": "Hijack"}, headers=people[2].headers)
    assert_error(refused, 403, "not_author")
    assert await governance_snapshot(ctx) == before


async def test_patch__an_open_proposal_is_409_and_changes_nothing(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[1])
    before = await governance_snapshot(ctx)
    response = await client.patch(
        f"{API}/proposals/{opened['id']}", json={"title": "Too late"}, headers=people[1].headers
    )
    assert_error(response, 409, "not_editable")
    assert await governance_snapshot(ctx) == before


async def test_patch__the_kind_cannot_be_sent(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    created = await draft(client, people[1])
    before = await governance_snapshot(ctx)
    response = await client.patch(
        f"{API}/proposals/{created['id']}", json={"kind": "budget"}, headers=people[1].headers
    )
    assert_error(response, 422, "invalid_input")
    assert await governance_snapshot(ctx) == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "coup"}, "unknown_kind"),
        ({"title": "   "}, "invalid_title"),
        ({"kind": "choice", "options": ["Only one"]}, "invalid_options"),
        ({"options": ["Yes", "No"]}, "invalid_options"),  # a yes/no kind takes no options
        ({"kind": "member_admission"}, "no_subject"),
        ({"kind": "bylaws_amendment"}, "no_bylaws_text"),
    ],
    ids=["unknown-kind", "blank-title", "one-option", "options-on-yes-no", "no-applicant",
         "no-bylaws-text"],
)
async def test_create__invalid_draft_is_422_and_stores_nothing(
    client: AsyncClient, ctx: AppContext, people: list[Caller], fields: dict[str, Any],
    code: str,
) -> None:
    before = await governance_snapshot(ctx)
    body = {"kind": "ordinary", "title": "T", **fields}
    response = await client.post(f"{API}/proposals", json=body, headers=people[1].headers)
    assert_error(response, 422, code)
    assert await governance_snapshot(ctx) == before


async def test_create__by_an_applicant_is_403(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    applicant = await make_member(ctx, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    before = await governance_snapshot(ctx)
    response = await client.post(
        f"{API}/proposals", json={"kind": "ordinary", "title": "Me too"}, headers=headers
    )
    assert_error(response, 403, "not_member")
    assert_error(await client.get(f"{API}/proposals", headers=headers), 403, "not_member")
    assert await governance_snapshot(ctx) == before


async def test_create__without_bylaws_is_404(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    response = await client.post(
        f"{API}/proposals", json={"kind": "ordinary", "title": "T"}, headers=admin.headers
    )
    assert_error(response, 404, "no_bylaws")


# --- scheduling and withdrawing ------------------------------------------------------------


async def test_schedule__fixes_the_times_and_the_worker_opens_it_on_time(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    created = await draft(client, people[1])
    opens = clock.now() + 2 * HOUR
    scheduled = await schedule(client, people[1], created["id"], opens, opens + 48 * HOUR)
    assert scheduled["status"] == "scheduled"
    assert scheduled["bylaws_version"] == 1
    clock.advance(HOUR)
    await run_worker(ctx)
    url = f"{API}/proposals/{created['id']}"
    assert (await client.get(url, headers=people[1].headers)).json()["status"] == "scheduled"
    clock.advance(HOUR)
    await run_worker(ctx)
    opened = (await client.get(url, headers=people[1].headers)).json()
    assert opened["status"] == "open"
    assert opened["opened_at"] is not None
    assert opened["turnout"] == {"voters": 0, "electorate": 3, "share": "0"}


@pytest.mark.parametrize(
    ("opens", "closes", "status", "code"),
    [
        ("2026-11-26T12:00:00", "2026-11-29T12:00:00", 422, "invalid_input"),  # naive times
        ("2026-11-26T12:00:00Z", "2026-11-26T13:00:00Z", 422, "bad_voting_period"),
        ("2026-11-26T12:00:00Z", "2026-12-26T12:00:00Z", 422, "bad_voting_period"),
        ("2026-11-26T12:00:00Z", "2026-11-25T12:00:00Z", 422, "bad_voting_period"),
        ("not a time", "2026-11-29T12:00:00Z", 422, "invalid_input"),
    ],
    ids=["naive", "too-short", "too-long", "closes-before-opening", "garbage"],
)
async def test_schedule__bad_times_are_refused_and_change_nothing(
    client: AsyncClient, ctx: AppContext, people: list[Caller], opens: str, closes: str,
    status: int, code: str,
) -> None:
    created = await draft(client, people[1])
    before = await governance_snapshot(ctx)
    response = await client.post(
        f"{API}/proposals/{created['id']}/schedule",
        json={"opens_at": opens, "closes_at": closes}, headers=people[1].headers,
    )
    assert_error(response, status, code)
    assert await governance_snapshot(ctx) == before


async def test_schedule__an_amendment_needs_the_bylaws_notice(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    current = (await client.get(f"{API}/bylaws", headers=people[1].headers)).json()
    document = {key: current[key] for key in ("title", "preset", "text", "kinds")}
    created = await draft(
        client, people[1], kind="bylaws_amendment", title="Shorter notice",
        proposed_bylaws=document,
    )
    before = await governance_snapshot(ctx)
    soon = clock.now() + 24 * HOUR
    response = await client.post(
        f"{API}/proposals/{created['id']}/schedule",
        json={"opens_at": iso(soon), "closes_at": iso(soon + 8 * 24 * HOUR)},
        headers=people[1].headers,
    )
    error = assert_error(response, 422, "notice_too_short")
    assert "168 hours" in error["message"]
    assert await governance_snapshot(ctx) == before
    later = clock.now() + 7 * 24 * HOUR
    await schedule(client, people[1], created["id"], later, later + 7 * 24 * HOUR)


async def test_schedule__twice_is_409(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    created = await draft(client, people[1])
    now = clock.now()
    await schedule(client, people[1], created["id"], now + HOUR, now + 50 * HOUR)
    before = await governance_snapshot(ctx)
    response = await client.post(
        f"{API}/proposals/{created['id']}/schedule",
        json={"opens_at": iso(now + 2 * HOUR), "closes_at": iso(now + 60 * HOUR)},
        headers=people[1].headers,
    )
    assert_error(response, 409, "not_draft")
    assert await governance_snapshot(ctx) == before


async def test_withdraw__a_scheduled_proposal_never_opens(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    created = await draft(client, people[1])
    now = clock.now()
    await schedule(client, people[1], created["id"], now + HOUR, now + 50 * HOUR)
    response = await client.post(
        f"{API}/proposals/{created['id']}/withdraw", headers=people[1].headers
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    clock.advance(2 * HOUR)
    await run_worker(ctx)
    found = await client.get(f"{API}/proposals/{created['id']}", headers=people[1].headers)
    assert found.json()["status"] == "withdrawn"


async def test_withdraw__an_open_proposal_is_409(
    client: AsyncClient, ctx: AppContext, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[1])
    before = await governance_snapshot(ctx)
    response = await client.post(
        f"{API}/proposals/{opened['id']}/withdraw", headers=people[1].headers
    )
    assert_error(response, 409, "not_withdrawable")
    assert await governance_snapshot(ctx) == before


# --- listing -------------------------------------------------------------------------------


async def test_list__filters_by_status(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    a = await draft(client, people[1], title="A draft")
    b = await draft(client, people[1], title="Scheduled")
    await schedule(client, people[1], b["id"], clock.now() + 100 * HOUR, clock.now() + 150 * HOUR)
    c = await open_via_api(client, ctx, people[1], title="Open now")
    d = await open_via_api(client, ctx, people[1], title="Closes first", hours=48)
    clock.advance(48 * HOUR)
    await run_worker(ctx)

    async def ids(query: str) -> list[int]:
        response = await client.get(f"{API}/proposals{query}", headers=people[2].headers)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    assert await ids("") == [d["id"], c["id"], b["id"], a["id"]]
    assert await ids("?status=draft") == [a["id"]]
    assert await ids("?status=open") == [c["id"]]
    assert await ids("?status=scheduled") == [b["id"]]
    assert await ids("?status=closed") == [d["id"]]  # no quorum: nobody voted
    assert await ids("?status=withdrawn") == []
    listed = (await client.get(f"{API}/proposals?status=closed", headers=people[2].headers)).json()
    assert listed[0]["status"] == "no_quorum"


async def test_list__unknown_status_is_422(client: AsyncClient, people: list[Caller]) -> None:
    error = assert_error(
        await client.get(f"{API}/proposals?status=secret", headers=people[1].headers), 422
    )
    assert error["details"] == [{"field": "status", "problem": error["details"][0]["problem"]}]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "x"}),
        ("POST", "/schedule", {"opens_at": "2027-01-01T00:00:00Z",
                               "closes_at": "2027-01-04T00:00:00Z"}),
        ("POST", "/withdraw", None),
        ("POST", "/outcome", {"statement": "x"}),
        ("GET", "/result", None),
        ("GET", "/comments", None),
        ("POST", "/comments", {"body": "x"}),
        ("GET", "/ballots", None),
        ("POST", "/ballots", {"choice": {"vote": "yes"}}),
        ("GET", "/ballots/mine", None),
        ("POST", "/receipt", {"receipt": "x"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_unknown_proposal__is_404_everywhere(
    client: AsyncClient, ctx: AppContext, people: list[Caller], method: str, suffix: str,
    body: dict[str, Any] | None,
) -> None:
    before = await governance_snapshot(ctx)
    response = await client.request(
        method, f"{API}/proposals/999{suffix}", json=body, headers=people[1].headers
    )
    error = assert_error(response, 404, "not_found")
    assert "999" in error["message"]
    assert await governance_snapshot(ctx) == before


# --- outcome, result and discussion --------------------------------------------------------


async def test_outcome_and_result__only_after_close(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[1], hours=48)
    url = f"{API}/proposals/{opened['id']}"
    before = await governance_snapshot(ctx)
    assert_error(await client.get(f"{url}/result", headers=people[2].headers), 409,
                 "results_hidden")
    assert_error(
        await client.post(f"{url}/outcome", json={"statement": "Early"}, headers=people[1].headers),
        409, "not_closed",
    )
    assert await governance_snapshot(ctx) == before
    for who, choice in ((people[0], "yes"), (people[1], "yes"), (people[2], "no")):
        assert (await vote(client, who, opened["id"], {"vote": choice})).status_code == 201
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    result = (await client.get(f"{url}/result", headers=people[2].headers)).json()
    assert result["status"] == result["outcome"] == "passed"
    assert result["totals"] == {"yes": "2", "no": "1", "abstain": "0"}
    assert result["turnout"] == "1" and result["ballot_count"] == 3
    assert result["details"]["yes_share"] == "0.666666666667"
    refused = await client.post(
        f"{url}/outcome", json={"statement": "Mine"}, headers=people[2].headers
    )
    assert_error(refused, 403, "not_author")
    written = await client.post(
        f"{url}/outcome", json={"statement": "We buy it *Monday*."}, headers=people[1].headers
    )
    assert written.status_code == 200, written.text
    assert "<em>Monday</em>" in written.json()["outcome_html"]


async def test_comments__open_until_close_then_409(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, people[1], hours=48)
    url = f"{API}/proposals/{opened['id']}/comments"
    first = await client.post(url, json={"body": "Which brand?"}, headers=people[2].headers)
    assert first.status_code == 201, first.text
    await client.post(url, json={"body": "A *good* one"}, headers=people[1].headers)
    thread = (await client.get(url, headers=people[0].headers)).json()
    assert [(c["author_id"], c["body"]) for c in thread] == [
        (people[2].id, "Which brand?"), (people[1].id, "A *good* one"),
    ]
    assert "<em>good</em>" in thread[1]["body_html"]
    blank = await client.post(url, json={"body": "   "}, headers=people[2].headers)
    assert_error(blank, 422, "invalid_comment")
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    before = await governance_snapshot(ctx)
    late = await client.post(url, json={"body": "Too late"}, headers=people[2].headers)
    assert_error(late, 409, "discussion_closed")
    assert await governance_snapshot(ctx) == before
    assert len((await client.get(url, headers=people[0].headers)).json()) == 2


# --- documented shapes ---------------------------------------------------------------------


async def test_real_responses__match_their_documented_schemas(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, people: list[Caller]
) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()
    pid = 0

    async def hit(method: str, path: str, status: int, body: Any = None) -> Any:
        """Call ``path`` (with ``{proposal_id}`` filled in) and check the body against the
        schema the document gives that path, method and status."""
        url = API + path.replace("{proposal_id}", str(pid)).replace("{version}", "1")
        response = await client.request(method, url, json=body, headers=people[1].headers)
        assert response.status_code == status, (path, response.text)
        described = document["paths"][API + path][method.lower()]["responses"][str(status)]
        schema = described["content"]["application/json"]["schema"]
        OAS31Validator({**schema, "components": document["components"]}).validate(response.json())
        return response.json()

    pid = (await hit("POST", "/proposals", 201,
                     {"kind": "choice", "title": "Pick", "options": ["A", "B"]}))["id"]
    await hit("GET", "/proposals/{proposal_id}", 200)
    await hit("PATCH", "/proposals/{proposal_id}", 200, {"title": "Better"})
    now = clock.now()
    await hit("POST", "/proposals/{proposal_id}/schedule", 200,
              {"opens_at": iso(now), "closes_at": iso(now + 48 * HOUR)})
    await run_worker(ctx)
    await hit("GET", "/proposals", 200)
    cast = await hit("POST", "/proposals/{proposal_id}/ballots", 201,
                     {"choice": {"approve": ["o1"]}})
    await hit("GET", "/proposals/{proposal_id}/ballots/mine", 200)
    await hit("GET", "/proposals/{proposal_id}/ballots", 409)
    await hit("POST", "/proposals/{proposal_id}/receipt", 200, {"receipt": cast["receipt"]})
    await hit("POST", "/proposals/{proposal_id}/comments", 201, {"body": "Hi"})
    await hit("GET", "/proposals/{proposal_id}/comments", 200)
    await hit("POST", "/proxies", 201, {"holder_id": people[2].id})
    await hit("GET", "/proxies", 200)
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    await hit("GET", "/proposals/{proposal_id}/result", 200)
    await hit("GET", "/proposals/{proposal_id}/ballots", 200)
    await hit("POST", "/proposals/{proposal_id}/outcome", 200, {"statement": "Done"})
    await hit("GET", "/notifications", 200)
    await hit("POST", "/notifications/read", 200)
    await hit("GET", "/bylaws", 200)
    await hit("GET", "/bylaws/versions", 200)
    await hit("GET", "/bylaws/versions/{version}", 200)
    pid = (await draft(client, people[1]))["id"]
    await hit("POST", "/proposals/{proposal_id}/withdraw", 200)
    await hit("GET", "/proposals/{proposal_id}/result", 409)
