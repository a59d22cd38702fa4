"""The surplus allocation API: a draft to start from, the preview, a proposal freezing the
figures (treasurers and admins only), its preview for members (only their own row when the
bylaws keep details private); every bad figure is a 422 with the allocation's code and nothing
stored; an allocation the books refuse on pass leaves them unchanged, the refusal visible."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from coopfed.context import AppContext
from coopfed.worker import ProposalClock, Worker
from governance import member as members
from governance.ballot import cast as ballots
from governance.bylaws import presets
from governance.bylaws import store as bylaws_store
from governance.clock import ManualClock
from governance.ledger import books, journal, period
from governance.ledger import draft as drafts
from governance.member import Role
from governance.proposal import service as proposal_service
from governance.proposal.model import Proposal, ProposalStatus
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.unit.governance.ledger.conftest import snapshot

A = f"{API}/ledger/allocations"


async def install(ctx: AppContext, document: dict[str, Any] | None = None) -> None:
    async with ctx.session() as db:
        bylaws = presets.preset("worker_coop") if document is None else presets.parse_bylaws(
            document
        )
        await bylaws_store.install_at_setup(db, bylaws, by=None, now=ctx.clock.now())
        await db.commit()


@pytest.fixture
async def treasurer(ctx: AppContext, admin: Caller) -> Caller:
    found = await make_member(ctx, username="tess", display_name="Tess Treasurer")
    async with ctx.session() as db:
        found = await members.set_role(
            db, await members.get(db, found.id), Role.TREASURER, by=admin.id, now=ctx.clock.now()
        )
        await db.commit()
    return Caller(found, await make_token(ctx, found))


def body(*people: Caller, surplus: str = "1000.00", **extra: Any) -> dict[str, Any]:
    return {
        "fiscal_year": 2025,
        "surplus": surplus,
        "members": [
            {"member_id": p.id, "hours": str(100 * (n + 1)), "pay": str(1000 * (n + 1))}
            for n, p in enumerate(people)
        ],
        **extra,
    }


async def count_proposals(ctx: AppContext) -> int:
    async with ctx.session() as db:
        return int(await db.scalar(select(func.count(Proposal.id))) or 0)


async def test_draft_preview_propose_and_read(
    ctx: AppContext, client: AsyncClient, admin: Caller, treasurer: Caller, member: Caller
) -> None:
    await install(ctx)
    draft = await client.get(f"{A}/draft", params={"fiscal_year": 2025},
                             headers=treasurer.headers)
    assert draft.status_code == 200, draft.text
    assert {m["member_id"] for m in draft.json()["members"]} == {admin.id, treasurer.id,
                                                                 member.id}
    assert (draft.json()["suggested_surplus"], draft.json()["year_closed"]) == ("0", False)
    shown = await client.post(f"{A}/preview", json=body(treasurer, member),
                              headers=treasurer.headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["preview"]["totals"]["legal_reserve"] == "150.00"
    assert shown.json()["inputs"]["policy"]["legal_form"] == "fr_scop"
    assert await count_proposals(ctx) == 0

    made = await client.post(A, json=body(treasurer, member, title="Share 2025"),
                             headers=treasurer.headers)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "draft"
    proposal = await client.get(f"{API}/proposals/{made.json()['proposal_id']}",
                                headers=treasurer.headers)
    assert proposal.json()["title"] == "Share 2025"
    assert proposal.json()["kind"] == "surplus_allocation"
    read = await client.get(f"{A}/{made.json()['proposal_id']}", headers=member.headers)
    assert read.status_code == 200 and len(read.json()["preview"]["rows"]) == 2
    assert_error(await client.get(f"{A}/999", headers=member.headers), 404)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"surplus": "-10"}, "allocation_no_surplus"),
        ({"surplus": "0"}, "allocation_no_surplus"),
        ({"surplus": "12.345"}, "allocation_too_many_decimals"),
        ({"surplus": "a lot"}, "allocation_bad_amount"),
        ({"fiscal_year": 20}, "allocation_bad_amount"),
        ({"members": [{"member_id": 9999, "hours": "10"}]}, "allocation_unknown_member"),
        ({"members": [{"member_id": 1, "hours": "-1"}]}, "allocation_bad_amount"),
        ({"members": []}, "allocation_no_patrons"),
    ],
)
async def test_bad_figures__422_with_the_code_and_nothing_stored(
    ctx: AppContext, client: AsyncClient, treasurer: Caller, member: Caller,
    change: dict[str, Any], code: str,
) -> None:
    await install(ctx)
    before = await snapshot(ctx)
    for path in ("/preview", ""):
        refused = await client.post(f"{A}{path}", json={**body(treasurer, member), **change},
                                    headers=treasurer.headers)
        assert_error(refused, 422, code)
    assert await count_proposals(ctx) == 0
    assert await snapshot(ctx) == before


async def test_a_member_twice__422(
    ctx: AppContext, client: AsyncClient, treasurer: Caller
) -> None:
    await install(ctx)
    twice = body(treasurer)
    twice["members"] *= 2
    assert_error(await client.post(f"{A}/preview", json=twice, headers=treasurer.headers), 422,
                 "allocation_duplicate_member")


async def test_unlawful_policy__422_naming_the_law(
    ctx: AppContext, client: AsyncClient, treasurer: Caller, member: Caller
) -> None:
    document = copy.deepcopy(presets.WORKER_COOP)
    document["ledger"]["allocation"]["legal_reserve"] = "0.1"
    await install(ctx, document)
    refused = assert_error(
        await client.post(f"{A}/preview", json=body(treasurer, member),
                          headers=treasurer.headers),
        422, "allocation_policy_unlawful",
    )
    assert "legal_reserve is 0.1 of the surplus, below the minimum of 0.15" in refused["message"]
    assert await count_proposals(ctx) == 0


async def test_bylaws_with_no_policy__422_saying_to_amend_them(
    ctx: AppContext, client: AsyncClient, treasurer: Caller, member: Caller
) -> None:
    await install(ctx, presets.MULTI_STAKEHOLDER)  # it ships no allocation policy
    for method, path in (("GET", "/draft"), ("POST", "/preview")):
        assert_error(
            await client.request(method, f"{A}{path}", json=body(treasurer, member),
                                 headers=treasurer.headers),
            422, "allocation_policy_missing",
        )
    missing = assert_error(
        await client.post(A, json=body(treasurer, member), headers=treasurer.headers),
        422, "allocation_policy_missing",
    )
    assert "no allocation policy in the bylaws; amend them" in missing["message"]
    assert await count_proposals(ctx) == 0


async def test_members_who_are_not_treasurers__403(
    ctx: AppContext, client: AsyncClient, treasurer: Caller, member: Caller
) -> None:
    await install(ctx)
    for method, path in (("GET", "/draft"), ("POST", "/preview"), ("POST", "")):
        refused = await client.request(method, f"{A}{path}", json=body(treasurer, member),
                                       headers=member.headers)
        assert_error(refused, 403, "ledger_bookkeepers_only")
    # Nor through the generic proposal endpoint: an allocation must carry its figures.
    generic = await client.post(
        f"{API}/proposals", json={"kind": "surplus_allocation", "title": "Take it all"},
        headers=member.headers,
    )
    assert_error(generic, 422, "no_allocation")
    assert await count_proposals(ctx) == 0


async def test_private_details__members_read_only_their_own_row(
    ctx: AppContext, client: AsyncClient, treasurer: Caller, member: Caller
) -> None:
    document = copy.deepcopy(presets.WORKER_COOP)
    document["ledger"]["private_member_details"] = True
    await install(ctx, document)
    made = await client.post(A, json=body(treasurer, member), headers=treasurer.headers)
    proposal_id = made.json()["proposal_id"]
    mine = (await client.get(f"{A}/{proposal_id}", headers=member.headers)).json()
    assert [r["member_id"] for r in mine["preview"]["rows"]] == [member.id]
    assert [m["member_id"] for m in mine["inputs"]["members"]] == [member.id]
    assert mine["preview"]["totals"]["surplus"] == "1000.00"
    everyone = (await client.get(f"{A}/{proposal_id}", headers=treasurer.headers)).json()
    assert len(everyone["preview"]["rows"]) == 2


async def earn(ctx: AppContext, amount: str, *, close: date) -> None:
    """A sale in 2025, then the period ending ``close`` closed: its result is retained."""
    async with ctx.session() as db:
        now = ctx.clock.now()
        await books.ensure_open(db, now=now)
        await journal.record(db, drafts.make(date(2025, 6, 1), "Sale", [
            ("Assets:Bank", "EUR", amount), ("Income:Sales", "EUR", f"-{amount}")]),
            by=None, now=now)
        await period.close(db, close, by=None, now=now)
        await db.commit()


async def voted_through(
    ctx: AppContext, client: AsyncClient, clock: ManualClock, voters: list[Caller],
    treasurer: Caller, member: Caller,
) -> int:
    """An allocation of 1000.00 proposed, scheduled and voted yes; the vote not closed yet."""
    made = await client.post(A, json=body(treasurer, member), headers=treasurer.headers)
    proposal_id = int(made.json()["proposal_id"])
    now = clock.now()
    async with ctx.session() as db:
        proposal = await proposal_service.get(db, proposal_id)
        await proposal_service.schedule(
            db, proposal, await members.get(db, treasurer.id), opens_at=now,
            closes_at=now + timedelta(days=3), now=now,
        )
        await db.commit()
    await Worker(ctx, [ProposalClock()]).run_once()
    for voter in voters:
        async with ctx.session() as db:
            await ballots.cast(db, proposal_id, await members.get(db, voter.id),
                               {"vote": "yes"}, now=clock.now())
            await db.commit()
    clock.advance(timedelta(days=3, minutes=1))
    return proposal_id


async def test_books_refuse_on_pass__unchanged_and_the_refusal_shown(
    ctx: AppContext, client: AsyncClient, clock: ManualClock, admin: Caller, treasurer: Caller,
    member: Caller,
) -> None:
    await install(ctx)
    proposal_id = await voted_through(ctx, client, clock, [admin, treasurer, member],
                                      treasurer, member)
    # The treasurer closes the books up to today before the vote closes: the year's result is
    # retained, but the allocation, dated the day it passes, can no longer be posted.
    await earn(ctx, "1000.00", close=clock.now().date())
    before = await snapshot(ctx)
    await Worker(ctx, [ProposalClock()]).run_once()
    assert await snapshot(ctx) == before
    read = (await client.get(f"{A}/{proposal_id}", headers=member.headers)).json()
    assert read["status"] == ProposalStatus.PASSED.value
    assert read["enactment"]["ok"] is False
    assert read["enactment"]["code"] == "ledger_period_closed"
    assert "closed" in read["enactment"]["message"]
    generic = (await client.get(f"{API}/proposals/{proposal_id}", headers=member.headers)).json()
    assert generic["enactment"]["code"] == "ledger_period_closed"
    async with ctx.session() as db:
        stored = await proposal_service.get(db, proposal_id)
        assert stored.closed_at is not None and stored.result is not None


async def test_a_surplus_above_the_retained_earnings__refused_on_pass_books_unchanged(
    ctx: AppContext, client: AsyncClient, clock: ManualClock, admin: Caller, treasurer: Caller,
    member: Caller,
) -> None:
    await install(ctx)
    await earn(ctx, "600.00", close=date(2025, 12, 31))
    draft = await client.get(f"{A}/draft", params={"fiscal_year": 2025},
                             headers=treasurer.headers)
    assert (draft.json()["suggested_surplus"], draft.json()["year_closed"]) == ("600", True)
    proposal_id = await voted_through(ctx, client, clock, [admin, treasurer, member],
                                      treasurer, member)
    before = await snapshot(ctx)
    await Worker(ctx, [ProposalClock()]).run_once()
    assert await snapshot(ctx) == before
    read = (await client.get(f"{A}/{proposal_id}", headers=member.headers)).json()
    assert read["status"] == ProposalStatus.PASSED.value
    assert read["enactment"]["ok"] is False
    assert read["enactment"]["code"] == "allocation_exceeds_retained_earnings"
    assert "(600 EUR)" in read["enactment"]["message"]
