"""The surplus allocation pages: a treasurer enters the figures (prefilled with every member),
previews, and proposes; members read the preview on the proposal's page while voting and the
posted transaction after it passes; refusals keep what was typed and store nothing; members
who are not treasurers get 403; the pages work in French too."""

from __future__ import annotations

import json
from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from starlette.applications import Starlette

from coopfed.context import AppContext
from governance.bylaws import presets
from governance.clock import ManualClock
from governance.ledger import journal
from governance.member import Role
from governance.proposal.model import Proposal
from tests.helpers import csrf_of
from tests.integration.web import browser, post, propose, schedule, step_worker, vote
from tests.integration.web import set_up as web_set_up
from tests.integration.web_support import add_member

FIGURES = "member,hours,pay\ntess,1200,30000\nbea;800;20000,50\n"


async def _coop(client: AsyncClient, ctx: AppContext) -> None:
    await web_set_up(client, ctx)
    await add_member(ctx, "tess@example.org", name="Tess", role=Role.TREASURER)
    await add_member(ctx, "bea@example.org", name="Bea")


async def _proposals(ctx: AppContext) -> int:
    async with ctx.session() as db:
        return int(await db.scalar(select(func.count(Proposal.id))) or 0)


async def test_treasurer_previews_and_proposes__members_pass_it__the_books_show_it(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await _coop(client, ctx)
    async with browser(app, "tess@example.org") as tess, browser(app, "bea@example.org") as bea:
        assert "/ledger/allocation" in (await tess.get("/ledger")).text
        form = await tess.get("/ledger/allocation?fiscal_year=2025")
        assert form.status_code == 200
        assert "tess,0,0," in form.text and "bea,0,0," in form.text  # every member prefilled
        assert "The year 2025 is not closed yet" in form.text
        # A year's sales, then the year closed from the books page: its result is retained.
        sale = {"date": "2025-06-01", "description": "Services 2025",
                "account_0": "Assets:Bank", "commodity_0": "EUR", "amount_0": "10000.00",
                "account_1": "Income:Sales", "commodity_1": "EUR", "amount_1": "-10000.00"}
        recorded = await post(tess, "/ledger/transactions", sale, page="/ledger")
        assert recorded.status_code == 303, recorded.text
        assert "Result of the year not yet closed" in (await tess.get("/ledger")).text
        closed = await post(tess, "/ledger/periods", {"end": "2025-12-31"}, page="/ledger")
        assert closed.status_code == 303, closed.text
        books = (await tess.get(closed.headers["location"])).text
        assert "The period is closed: its result is in retained earnings" in books
        assert "Result of the period ending 2025-12-31 to retained earnings" in books
        again = await post(tess, "/ledger/periods", {"end": "2025-12-31"}, page="/ledger")
        assert again.status_code == 422
        form = await tess.get("/ledger/allocation?fiscal_year=2025")
        assert "not closed yet" not in form.text and 'value="10000"' in form.text
        data = {"fiscal_year": "2025", "surplus": "10000.00", "figures": FIGURES}
        shown = await post(tess, "/ledger/allocation", {**data, "action": "preview"},
                           page="/ledger/allocation")
        assert shown.status_code == 200, shown.text
        # fr_scop: 1,500 legal reserve, 4,500 to the workers, 4,000 to the fund.
        for amount in ("1,500", "4,500", "4,000"):
            assert f'"num">{amount}</td>' in shown.text
        assert "Propose this allocation" in shown.text
        assert await _proposals(ctx) == 0
        made = await tess.post(
            "/ledger/allocation",
            data={**data, "action": "propose", "title": "", "body": "As every year",
                  "csrf_token": csrf_of(shown.text)},
        )
        assert made.status_code == 303, made.text
        proposal_id = int(made.headers["location"].rsplit("/", 1)[1])
        await schedule(tess, proposal_id)
        await step_worker(ctx, clock, timedelta(minutes=2))
        page = (await bea.get(f"/proposals/{proposal_id}")).text
        assert "Surplus allocation 2025" in page and '"num">2,699.99</td>' in page
        assert '"num">20,000.5</td>' in page  # "20000,50" read with a decimal comma
        for who in (tess, bea, client):
            cast = await vote(who, proposal_id, {"vote": "yes"})
            assert cast.status_code == 200 and "Your ballot is recorded" in cast.text
        await step_worker(ctx, clock, timedelta(days=15))
        page = (await bea.get(f"/proposals/{proposal_id}")).text
        async with ctx.session() as db:
            seq = await journal.size(db) - 1
        assert f"Posted to the books as transaction {seq}." in page
        books = (await bea.get("/ledger")).text
        assert "Surplus allocation of fiscal year 2025" in books
        assert "Surplus of fiscal year 2025" in books and "Reserves:Legal: -1,500" in books

        fr = await tess.get("/ledger/allocation", headers={"accept-language": "fr"})
        await tess.post("/language", data={"language": "fr", "csrf_token": csrf_of(fr.text)})
        fr = await tess.get("/ledger/allocation")
        assert fr.status_code == 200 and 'lang="fr"' in fr.text and "Registre des parts" in fr.text


async def test_refusals__bad_surplus_unknown_member_and_members_who_are_not_treasurers(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await _coop(client, ctx)
    async with browser(app, "tess@example.org") as tess, browser(app, "bea@example.org") as bea:
        for surplus, figures, expected in (
            ("-5", FIGURES, "There is no surplus to allocate"),
            ("10.001", FIGURES, "has more than 2 decimals"),
            ("ten", FIGURES, "must be an amount"),
            ("100", "nobody,10,10\n", "Line 1: no member matches"),
            ("100", "tess,10\n", "Line 1: write member,hours,pay"),
        ):
            refused = await post(
                tess, "/ledger/allocation",
                {"fiscal_year": "2025", "surplus": surplus, "figures": figures,
                 "action": "propose"},
                page="/ledger/allocation",
            )
            assert refused.status_code == 422, (surplus, figures)
            assert expected in refused.text.replace("&#39;", "'")
            assert figures.split("\n")[0] in refused.text  # what was typed is kept
        assert await _proposals(ctx) == 0
        assert (await bea.get("/ledger/allocation")).status_code == 403
        page = (await bea.get("/ledger")).text
        assert "/ledger/allocation" not in page
        forbidden = await bea.post(
            "/ledger/allocation",
            data={"fiscal_year": "2025", "surplus": "100", "figures": FIGURES,
                  "action": "propose", "csrf_token": csrf_of(page)},
        )
        assert forbidden.status_code == 403
        assert await _proposals(ctx) == 0


async def test_no_policy__the_page_says_to_amend__an_amendment_chooses_a_preset(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await web_set_up(client, ctx, preset="multi_stakeholder")  # ships no allocation policy
    missing = await client.get("/ledger/allocation")
    assert missing.status_code == 422
    assert "no allocation policy in the bylaws; amend them" in missing.text
    assert 'name="figures"' not in missing.text
    document = presets.preset("multi_stakeholder").to_json()
    amendment = await propose(
        client, "bylaws_amendment", "Adopt an allocation policy",
        bylaws=json.dumps(document), allocation_policy="us_worker_coop",
    )
    form = (await client.get("/proposals/new?kind=bylaws_amendment")).text
    assert 'value="fr_scop"' in form and 'value="us_worker_coop"' in form
    await schedule(client, amendment)
    await step_worker(ctx, clock, timedelta(days=7, minutes=1))
    assert (await vote(client, amendment, {"vote": "yes"})).status_code == 200
    await step_worker(ctx, clock, timedelta(days=7))
    page = await client.get("/ledger/allocation")
    assert page.status_code == 200 and "US worker co-op (Subchapter T)" in page.text
