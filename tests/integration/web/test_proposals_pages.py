"""The governance pages one by one: who sees what, drafting and editing, scheduling rules, the
vote forms of each method, the bylaws and their history, proxies and notifications."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette

from coopfed.context import AppContext
from coopfed.web.chart import Bar, bar_chart
from governance.clock import ManualClock
from governance.member import Status
from tests.helpers import csrf_of
from tests.integration.web import (
    adopt_bylaws,
    browser,
    bylaws_with_kind,
    field_value,
    post,
    propose,
    schedule,
    set_up,
    step_worker,
    vote,
)
from tests.integration.web_support import add_member


async def test_pages_need_a_signed_in_member_and_applicants_see_only_the_bylaws(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "app@example.org", name="Al", status=Status.APPLICANT)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as anon:
        for url in ("/proposals", "/proposals/new", "/proxies", "/bylaws", "/notifications"):
            response = await anon.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/signin?next=")
    async with browser(app, "app@example.org") as al:
        assert (await al.get("/proposals")).status_code == 403
        assert (await al.get("/proxies")).status_code == 403
        bylaws = await al.get("/bylaws")
        assert bylaws.status_code == 200
        assert 'href="/proposals"' not in bylaws.text  # no Proposals link in the navigation


async def test_drafts_are_seen_by_their_author_and_admins_only(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "bea@example.org", name="Bea")
    await add_member(ctx, "cy@example.org", name="Cy")
    async with browser(app, "bea@example.org") as bea, browser(app, "cy@example.org") as cy:
        proposal_id = await propose(bea, "ordinary", "Bea's secret plan")
        assert "Bea&#39;s secret plan" in (await bea.get("/proposals")).text
        assert "Bea&#39;s secret plan" in (await client.get("/proposals")).text  # the admin
        assert "Bea&#39;s secret plan" not in (await cy.get("/proposals")).text
        assert (await cy.get(f"/proposals/{proposal_id}")).status_code == 404


async def test_author_edits_a_draft_then_withdraws_it(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    proposal_id = await propose(client, "choice", "Team lunch", options="Pizza\nSushi")
    form = await client.get(f"/proposals/{proposal_id}/edit")
    assert form.status_code == 200
    assert "Pizza\nSushi</textarea>" in form.text
    saved = await post(
        client,
        f"/proposals/{proposal_id}/edit",
        {"title": "Team dinner", "options": "Pizza\nSushi\nTacos", "body": "Friday"},
        page=f"/proposals/{proposal_id}/edit",
    )
    assert saved.status_code == 303
    page = await client.get(f"/proposals/{proposal_id}")
    assert "Team dinner" in page.text and "<li>Tacos</li>" in page.text
    one_option = await post(
        client,
        f"/proposals/{proposal_id}/edit",
        {"title": "Team dinner", "options": "Pizza"},
        page=f"/proposals/{proposal_id}/edit",
    )
    assert one_option.status_code == 422
    assert "This kind of proposal needs 2 to 100 options." in one_option.text
    assert 'value="Team dinner"' in one_option.text  # the form keeps what was typed
    withdrawn = await post(client, f"/proposals/{proposal_id}/withdraw", {}, page="/proposals")
    assert withdrawn.status_code == 303
    page = await client.get(f"/proposals/{proposal_id}")
    assert "The proposal is withdrawn." in page.text
    assert "Decided and withdrawn" in (await client.get("/proposals")).text


async def test_new_proposal_form_fits_its_kind_and_keeps_input_on_errors(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    applicant = await add_member(ctx, "app@example.org", name="Al", status=Status.APPLICANT)
    ordinary = await client.get("/proposals/new?kind=ordinary")
    assert 'name="options"' not in ordinary.text and 'name="bylaws"' not in ordinary.text
    admission = await client.get("/proposals/new?kind=member_admission")
    assert f'<option value="{applicant.id}"' in admission.text
    amendment = await client.get("/proposals/new?kind=bylaws_amendment")
    assert "Bylaws of a worker co-operative" in field_value_textarea(amendment.text, "bylaws")
    no_title = await post(
        client,
        "/proposals",
        {"kind": "ordinary", "title": " ", "body": "Why"},
        page="/proposals/new?kind=ordinary",
    )
    assert no_title.status_code == 422
    assert "The title must have 1 to 200 characters." in no_title.text
    assert ">Why</textarea>" in no_title.text
    bad_json = await post(
        client,
        "/proposals",
        {"kind": "bylaws_amendment", "title": "New rules", "bylaws": "{oops"},
        page="/proposals/new?kind=bylaws_amendment",
    )
    assert bad_json.status_code == 422
    assert "The proposed bylaws are not valid JSON (line 1, column 2)." in bad_json.text
    unknown_kind = await post(client, "/proposals", {"kind": "nope", "title": "X"}, page="/")
    assert unknown_kind.status_code == 422


def field_value_textarea(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[html.index(">", start) + 1 : html.index("</textarea>", start)]


async def test_scheduling_follows_the_bylaws_notice_and_voting_period(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    document = json.dumps(bylaws_with_kind("pick", label="Pick", method="score"))
    proposal_id = await propose(client, "bylaws_amendment", "New rules", bylaws=document)
    page = await client.get(f"/proposals/{proposal_id}")
    # Defaults: seven days' notice, seven days of voting (the amendment kind's rules).
    assert field_value(page.text, "opens_at") == "2026-12-02T12:00"
    assert field_value(page.text, "closes_at") == "2026-12-09T12:00"
    too_soon = await post(
        client,
        f"/proposals/{proposal_id}/schedule",
        {"opens_at": "2026-11-26T12:00", "closes_at": "2026-12-03T12:00"},
        page=f"/proposals/{proposal_id}",
    )
    assert too_soon.status_code == 422
    assert "The bylaws require 168 hours' notice" in too_soon.text
    assert 'value="2026-11-26T12:00"' in too_soon.text
    too_short = await post(
        client,
        f"/proposals/{proposal_id}/schedule",
        {"opens_at": "2026-12-02T12:00", "closes_at": "2026-12-03T12:00"},
        page=f"/proposals/{proposal_id}",
    )
    assert too_short.status_code == 422
    assert "Voting must last between 168 and 504 hours" in too_short.text
    garbled = await post(
        client,
        f"/proposals/{proposal_id}/schedule",
        {"opens_at": "next week", "closes_at": ""},
        page=f"/proposals/{proposal_id}",
    )
    assert garbled.status_code == 422
    assert "Enter dates and times as YYYY-MM-DD HH:MM, in UTC." in garbled.text
    await schedule(client, proposal_id)
    assert "The vote is scheduled." in (await client.get(f"/proposals/{proposal_id}")).text


async def test_bylaws_amendment_passes_and_the_bylaws_page_shows_both_versions(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    first = await client.get("/bylaws")
    assert "Version 1, in force since" in first.text
    assert "Chosen at setup by Ada Admin" in first.text
    proposal_id = await adopt_bylaws(
        client, ctx, clock, bylaws_with_kind("pick", label="Pick by score", method="score")
    )
    current = await client.get("/bylaws")
    assert "Version 2, in force since" in current.text
    assert "Pick by score" in current.text and "score voting" in current.text
    assert (
        f'<a href="/proposals/{proposal_id}">Adopted by proposal #{proposal_id}</a>' in current.text
    )
    earlier = await client.get("/bylaws/1")
    assert "This is an earlier version of the bylaws." in earlier.text
    assert "Pick by score" not in earlier.text
    assert (await client.get("/bylaws/9")).status_code == 404


async def test_score_vote_form_and_result_per_option(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await adopt_bylaws(client, ctx, clock, bylaws_with_kind("pick", label="Pick", method="score"))
    proposal_id = await propose(client, "pick", "Office plant", options="Fern\nCactus\n<b>Ivy</b>")
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    page = await client.get(f"/proposals/{proposal_id}")
    assert '<select id="score-o1" name="score_o1">' in page.text
    cast = await vote(client, proposal_id, {"score_o1": "2", "score_o2": "5", "score_o3": "0"})
    assert "Your current vote: Fern: 2; Cactus: 5; &lt;b&gt;Ivy&lt;/b&gt;: 0." in cast.text
    assert '<option value="5" selected>5</option>' in cast.text
    await step_worker(ctx, clock, timedelta(days=3))
    result = await client.get(f"/proposals/{proposal_id}")
    assert "Score totals per option" in result.text
    assert "Chosen: Cactus." in result.text
    assert "<b>Ivy</b>" not in result.text  # escaped in the table and the chart


async def test_consent_block_with_a_reason_rejects_and_the_reason_is_shown(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx, preset="multi_stakeholder")
    proposal_id = await propose(client, "consent", "Open on Sundays")
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    page = await client.get(f"/proposals/{proposal_id}")
    assert 'value="block"' in page.text and 'name="reason"' in page.text
    await vote(client, proposal_id, {"vote": "block", "reason": "We need rest."})
    await step_worker(ctx, clock, timedelta(days=3))
    result = await client.get(f"/proposals/{proposal_id}")
    assert "Outcome: rejected" in result.text
    assert "1 member blocked." in result.text
    assert "<td>block</td><td>—</td><td>We need rest.</td>" in result.text


async def test_proxies_page_gives_lists_and_revokes(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    bea = await add_member(ctx, "bea@example.org", name="Bea")
    given = await post(client, "/proxies", {"holder_id": str(bea.id)}, page="/proxies")
    assert given.status_code == 303
    page = await client.get("/proxies")
    assert "Your proxy is given." in page.text
    assert "<td>Bea</td>" in page.text
    async with browser(app, "bea@example.org") as bea_web:
        held = await bea_web.get("/proxies")
        assert "<td>Ada Admin</td>" in held.text
    revoke = page.text.index('action="/proxies/')
    url = page.text[revoke + 8 : page.text.index('"', revoke + 8)]
    revoked = await client.post(url, data={"csrf_token": csrf_of(page.text)})
    assert revoked.status_code == 303
    assert "You have given no proxy." in (await client.get("/proxies")).text
    again = await client.post(url, data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 404
    to_self = await post(client, "/proxies", {"holder_id": "1"}, page="/proxies")
    assert to_self.status_code == 422
    no_holder = await post(client, "/proxies", {"holder_id": ""}, page="/proxies")
    assert no_holder.status_code == 422
    assert "Choose the member who will hold your proxy." in no_holder.text


async def test_notifications_are_counted_in_the_navigation_until_read(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    assert "unread" not in (await client.get("/")).text
    proposal_id = await propose(client, "ordinary", "New laptops")
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    home = await client.get("/")
    assert "(1 unread)" in home.text
    notes = await client.get("/notifications")
    assert "Voting is open: New laptops" in notes.text
    await post(client, "/notifications/read", {}, page="/notifications")
    after = await client.get("/notifications")
    assert "All notifications are marked as read." in after.text
    assert "unread" not in after.text


def test_chart_is_an_accessible_image_and_escapes_labels() -> None:
    svg = bar_chart(
        "Votes <per> option",
        [Bar("<script>", Decimal(3), "3", highlight=True), Bar("B & C", Decimal(0), "0")],
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="chart-title">Votes &lt;per&gt; option</title>' in svg
    assert "&lt;script&gt;: 3; B &amp; C: 0" in svg
    assert "<script>" not in svg
    assert 'width="340.0"' in svg and 'width="0"' in svg
