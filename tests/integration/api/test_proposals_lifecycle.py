"""Stories through the API with a moved clock: the worker opens, reminds and closes on time;
members are notified; the result, the roll call and the outcome follow."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from coopfed.context import AppContext
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.api.conftest import API, Caller, assert_error
from tests.integration.api.test_proposals_support import (
    HOUR,
    coop,
    draft,
    put_in_class,
    run_worker,
    schedule,
    vote,
)
from tests.integration.web_support import add_member


async def notifications(client: AsyncClient, who: Caller) -> list[tuple[str, int | None]]:
    body = (await client.get(f"{API}/notifications", headers=who.headers)).json()
    return [(n["kind"], n["proposal_id"]) for n in body["items"]]


async def test_majority_vote_with_a_proxy__opens_reminds_closes_and_passes(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    ada, bea, cleo, dan, eve = await coop(ctx, 5)
    created = await draft(client, bea, title="Four-day week", body="From *January*.")
    pid = created["id"]
    url = f"{API}/proposals/{pid}"
    opens = clock.now() + 2 * HOUR
    await schedule(client, bea, pid, opens, opens + 72 * HOUR)
    await client.post(f"{url}/comments", json={"body": "Before the vote"}, headers=cleo.headers)

    # Nothing happens before the opening time.
    clock.advance(HOUR)
    await run_worker(ctx)
    assert (await client.get(url, headers=ada.headers)).json()["status"] == "scheduled"
    assert await notifications(client, ada) == []
    assert_error(await vote(client, ada, pid, {"vote": "yes"}), 409, "voting_closed")

    clock.advance(HOUR)
    await run_worker(ctx)
    opened = (await client.get(url, headers=ada.headers)).json()
    assert opened["status"] == "open"
    assert opened["turnout"] == {"voters": 0, "electorate": 5, "share": "0"}
    for who in (ada, bea, cleo, dan, eve):
        assert await notifications(client, who) == [("proposal_opened", pid)]

    # Eve gives Dan a proxy for this vote; Ada, Bea and Dan (twice) vote.
    given = await client.post(f"{API}/proxies", json={"holder_id": dan.id, "proposal_id": pid},
                              headers=eve.headers)
    assert given.status_code == 201, given.text
    assert (await vote(client, ada, pid, {"vote": "yes"})).status_code == 201
    assert (await vote(client, bea, pid, {"vote": "no"})).status_code == 201
    assert (await vote(client, bea, pid, {"vote": "yes"}, reason="Convinced")).status_code == 201
    assert (await vote(client, dan, pid, {"vote": "no"})).status_code == 201
    assert (await vote(client, dan, pid, {"vote": "yes"}, on_behalf_of=eve.id)).status_code == 201
    turnout = (await client.get(url, headers=cleo.headers)).json()["turnout"]
    assert turnout == {"voters": 4, "electorate": 5, "share": "0.8"}
    assert_error(await client.get(f"{url}/result", headers=cleo.headers), 409, "results_hidden")

    # A day before closing, only Cleo (who has not voted) is reminded, once.
    clock.advance(47 * HOUR)
    await run_worker(ctx)
    clock.advance(HOUR)
    await run_worker(ctx)
    assert await notifications(client, cleo) == [("closing_soon", pid), ("proposal_opened", pid)]
    assert await notifications(client, dan) == [("proposal_opened", pid)]

    # At the closing time the worker counts: 3 yes, 1 no.
    clock.advance(24 * HOUR)
    await run_worker(ctx)
    result = (await client.get(f"{url}/result", headers=cleo.headers)).json()
    assert (result["status"], result["outcome"]) == ("passed", "passed")
    assert result["totals"] == {"yes": "3", "no": "1", "abstain": "0"}
    assert (result["ballot_count"], result["turnout"], result["quorum_reached"]) == (
        4, "0.8", True)
    roll_call = (await client.get(f"{url}/ballots", headers=cleo.headers)).json()["ballots"]
    assert [(b["voter_id"], b["cast_by_id"], b["choice"]["vote"], b["reason"])
            for b in roll_call] == [
        (ada.id, ada.id, "yes", ""), (bea.id, bea.id, "yes", "Convinced"),
        (dan.id, dan.id, "no", ""), (eve.id, dan.id, "yes", ""),
    ]
    assert ("result_published", pid) in await notifications(client, eve)

    # Reading notifications, writing the outcome; the discussion is closed.
    unread = (await client.get(f"{API}/notifications?unread=1", headers=cleo.headers)).json()
    assert unread["unread"] == 3 and len(unread["items"]) == 3
    marked = await client.post(f"{API}/notifications/read", headers=cleo.headers)
    assert marked.json() == {"marked": 3}
    after = (await client.get(f"{API}/notifications", headers=cleo.headers)).json()
    assert after["unread"] == 0 and all(n["read_at"] for n in after["items"])
    assert_error(
        await client.post(f"{url}/comments", json={"body": "Late"}, headers=cleo.headers), 409,
        "discussion_closed",
    )
    written = await client.post(f"{url}/outcome", json={"statement": "Starts in January."},
                                headers=bea.headers)
    assert written.json()["outcome_statement"] == "Starts in January."
    closed = await client.get(f"{API}/proposals?status=closed", headers=ada.headers)
    assert [p["id"] for p in closed.json()] == [pid]


async def test_secret_admission__admits_the_applicant_and_reveals_only_counts(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    ada, bea, cleo = await coop(ctx, 3)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    created = await draft(client, ada, kind="member_admission", title="Admit New",
                          subject_member_id=applicant.id)
    pid = created["id"]
    await schedule(client, ada, pid, clock.now(), clock.now() + 48 * HOUR)
    await run_worker(ctx)
    receipts = {}
    for who, choice in ((ada, "yes"), (bea, "no"), (bea, "yes"), (cleo, "abstain")):
        response = await vote(client, who, pid, {"vote": choice})
        assert response.status_code == 201, response.text
        receipts[who.id] = response.json()["receipt"]
    assert (await client.get(f"{API}/proposals/{pid}/ballots/mine",
                             headers=bea.headers)).json() == {"voted": True}
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    result = (await client.get(f"{API}/proposals/{pid}/result", headers=cleo.headers)).json()
    assert result["status"] == "passed"
    assert result["totals"] == {"yes": "2", "no": "0", "abstain": "1"}
    ballots = (await client.get(f"{API}/proposals/{pid}/ballots", headers=cleo.headers)).json()
    assert (ballots["count"], ballots["ballots"]) == (3, None)
    # Each voter can still check their receipt after close.
    for who in (ada, bea, cleo):
        checked = await client.post(f"{API}/proposals/{pid}/receipt",
                                    json={"receipt": receipts[who.id]}, headers=who.headers)
        assert checked.json()["found"] is True
    admitted = await client.get(f"{API}/members/{applicant.id}", headers=ada.headers)
    assert admitted.json()["status"] == "member"


async def test_consent_with_a_block__is_rejected_and_names_the_blocker(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop(ctx, 4, preset="multi_stakeholder")
    for who, slug in zip(people, ("worker", "worker", "user", "supporter"), strict=True):
        await put_in_class(ctx, who, slug)
    created = await draft(client, people[0], kind="consent", title="Switch to Matrix")
    pid = created["id"]
    await schedule(client, people[0], pid, clock.now(), clock.now() + timedelta(days=3))
    await run_worker(ctx)
    await vote(client, people[0], pid, {"vote": "agree"})
    await vote(client, people[1], pid, {"vote": "abstain"})
    blocked = await vote(client, people[3], pid, {"vote": "block"},
                         reason="Our users are on e-mail")
    assert blocked.status_code == 201, blocked.text
    clock.advance(timedelta(days=3))
    await run_worker(ctx)
    result = (await client.get(f"{API}/proposals/{pid}/result", headers=people[2].headers)).json()
    assert (result["status"], result["blocks"]) == ("rejected", [str(people[3].id)])
    roll_call = (await client.get(f"{API}/proposals/{pid}/ballots",
                                  headers=people[2].headers)).json()["ballots"]
    assert [b["reason"] for b in roll_call if b["choice"]["vote"] == "block"] == [
        "Our users are on e-mail"]


async def test_approval_choice__elects_the_most_approved_option(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop(ctx, 5)
    created = await draft(client, people[0], kind="choice", title="Which laptop?",
                          options=["Frame", "Think", "Book"])
    pid = created["id"]
    await schedule(client, people[0], pid, clock.now(), clock.now() + 48 * HOUR)
    await run_worker(ctx)
    for who, pick in zip(people, (["o1"], ["o2"], ["o2"], [], ["o3"]), strict=True):
        assert (await vote(client, who, pid, {"approve": pick})).status_code == 201
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    result = (await client.get(f"{API}/proposals/{pid}/result", headers=people[1].headers)).json()
    assert (result["outcome"], result["winners"]) == ("passed", ["o2"])
    assert result["totals"] == {"o1": "1", "o2": "2", "o3": "1"}
    assert result["ranking"] == [["o2"], ["o1", "o3"]]
