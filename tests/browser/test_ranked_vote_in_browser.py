"""In a real browser: a member orders the options of a Schulze vote by dragging them (pointer)
and with the move buttons (keyboard), the script writes the ranks back into the form's rank
selects, the ballot is stored with that ranking, and the receipt page checks the inclusion
proof in the browser with WebCrypto. Without JavaScript the same form works with the selects
(tests/integration/web/test_ranked_proposals.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from coopfed.worker import ProposalClock
from governance import member as members
from governance.ballot import cast as ballots
from governance.ballot.model import RollCallBallot
from governance.bylaws.presets import WORKER_COOP
from governance.clock import ManualClock
from governance.proposal import lifecycle, service
from tests.browser.conftest import TIMEOUT_MS, Backstage
from tests.browser.test_voting_in_browser import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    _add_admitted_member,
    _sign_in,
)
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def live_clock(clock: ManualClock) -> ManualClock:
    return clock


def ranked_bylaws() -> dict[str, Any]:
    kinds = dict(WORKER_COOP["kinds"])
    ordinary = {**kinds["ordinary"], "quorum": "0"}
    kinds["plan"] = {**ordinary, "label": "Plan choice", "method": "schulze"}
    return {**WORKER_COOP, "kinds": kinds}


async def _open(stage: Backstage, clock: ManualClock, kind: str, title: str, **fields: Any) -> int:
    """The admin drafts, schedules (the bylaws' notice is at most a week) and the clock opens
    it; through the services."""
    ctx = stage.ctx
    async with ctx.session() as db:
        admin = await members.by_email(db, ADMIN_EMAIL)
        assert admin is not None
        proposal = await service.create(
            db, admin, service.Draft(kind=kind, title=title, **fields), now=clock.now()
        )
        opens = clock.now() + timedelta(days=7)
        await service.schedule(
            db,
            proposal,
            admin,
            opens_at=opens,
            closes_at=opens + timedelta(days=7),
            now=clock.now(),
        )
        await db.commit()
        proposal_id = proposal.id
    clock.advance(timedelta(days=7))
    async with ctx.session() as db:
        await lifecycle.open_due(db, now=clock.now())
        await db.commit()
    return proposal_id


async def _amend(stage: Backstage, clock: ManualClock) -> None:
    """The admin, the only member yet, passes a bylaws amendment adding a Schulze kind."""
    ctx = stage.ctx
    amendment = await _open(
        stage, clock, "bylaws_amendment", "Add a plan choice", proposed_bylaws=ranked_bylaws()
    )
    async with ctx.session() as db:
        admin = await members.by_email(db, ADMIN_EMAIL)
        assert admin is not None
        await ballots.cast(db, amendment, admin, {"vote": "yes"}, now=clock.now())
        await db.commit()
    clock.advance(timedelta(days=7, minutes=1))
    await ProposalClock().run_once(ctx)


async def _stored_ranking(stage: Backstage, proposal_id: int) -> Any:
    async with stage.ctx.session() as db:
        return await db.scalar(
            select(RollCallBallot.choice).where(RollCallBallot.proposal_id == proposal_id)
        )


def _ranked(page: Page) -> list[str]:
    return page.locator("#vote ol.rank-list .rank-label").all_inner_texts()


def test_member_drags_and_moves_options_and_the_ranking_is_stored(
    browser: Browser, live: LiveServer, backstage: Backstage, clock: ManualClock
) -> None:
    assert live.setup_url is not None
    setup = browser.new_context(locale="en-GB").new_page()
    setup.set_default_timeout(TIMEOUT_MS)
    setup.goto(live.setup_url)
    setup.fill("#coop_name", "Les Codeuses")
    setup.fill("#display_name", "Ada Admin")
    setup.fill("#email", ADMIN_EMAIL)
    setup.select_option("#language", "en")
    setup.get_by_role("radio", name="Worker co-op: one member, one vote").check()
    setup.fill("#password", ADMIN_PASSWORD)
    setup.fill("#password_confirm", ADMIN_PASSWORD)
    setup.get_by_role("button", name="Create the co-op").click()
    expect(setup).to_have_url(re.compile(r"/admin/invitations"))
    backstage.run(_amend(backstage, clock))
    backstage.run(
        _add_admitted_member(backstage, "basile@example.org", "Basile", "basile", "basile pw 12")
    )
    proposal_id = backstage.run(
        _open(
            backstage,
            clock,
            "plan",
            "Choose the roadmap",
            options=("Alpha", "Beta", "Gamma", "Delta"),
        )
    )

    basile = _sign_in(browser, live, "basile@example.org", "basile pw 12", "Basile")
    basile.goto(f"{live.url}/proposals/{proposal_id}")
    vote = basile.locator("#vote")
    # The script replaced the selects with the two lists; the selects are still in the form.
    expect(vote.locator("select[name=rank_o1]")).to_be_hidden()
    expect(vote.locator("ol.rank-list")).to_contain_text("Nothing ranked yet")
    unranked = vote.locator("ul.rank-list")
    expect(unranked.locator(".rank-label")).to_have_text(["Alpha", "Beta", "Gamma", "Delta"])

    # Keyboard: Gamma is ranked with its button, pressed with Enter.
    vote.get_by_role("button", name="Rank Gamma", exact=True).focus()
    basile.keyboard.press("Enter")
    assert _ranked(basile) == ["Gamma"]
    expect(vote.locator("[aria-live=polite]")).to_have_text("Gamma is now rank 1 of 1.")

    # Pointer: Beta is dragged from the unranked list to the top of the ranking, ...
    beta = unranked.locator(".rank-item", has_text="Beta")
    gamma = vote.locator("ol.rank-list .rank-item", has_text="Gamma")
    beta.locator(".rank-handle").drag_to(gamma, target_position={"x": 10, "y": 2})
    assert _ranked(basile) == ["Beta", "Gamma"]
    # ... then Alpha below them, ...
    alpha = unranked.locator(".rank-item", has_text="Alpha")
    ranked_list = vote.locator("ol.rank-list")
    box = ranked_list.bounding_box()
    assert box is not None
    alpha.locator(".rank-handle").drag_to(
        ranked_list, target_position={"x": 20, "y": box["height"] - 3}
    )
    assert _ranked(basile) == ["Beta", "Gamma", "Alpha"]
    expect(vote.locator("[aria-live=polite]")).to_have_text("Alpha is now rank 3 of 3.")
    # ... and Gamma moves up with the keyboard.
    vote.get_by_role("button", name="Move Gamma up", exact=True).focus()
    basile.keyboard.press("Enter")
    assert _ranked(basile) == ["Gamma", "Beta", "Alpha"]
    expect(vote.locator("[aria-live=polite]")).to_have_text("Gamma is now rank 1 of 3.")
    # The hidden selects hold the ranks the form submits.
    assert [vote.locator(f"select[name=rank_o{n}]").input_value() for n in (1, 2, 3, 4)] == [
        "3",
        "2",
        "1",
        "",
    ]

    vote.get_by_role("button", name="Cast my vote").click()
    receipt = basile.locator("#receipt")
    expect(receipt).to_be_visible()
    code = receipt.inner_text().strip()
    expect(basile.locator("#vote .notice")).to_contain_text(
        "Your current vote: ranks Gamma > Beta > Alpha."
    )
    assert backstage.run(_stored_ranking(backstage, proposal_id)) == {"ranking": ["o3", "o2", "o1"]}
    # The form comes back with the ranking in the lists.
    assert _ranked(basile) == ["Gamma", "Beta", "Alpha"]

    # The receipt's inclusion proof is checked on the server and again in the browser.
    basile.goto(f"{live.url}/proposals/{proposal_id}/receipt")
    basile.fill("#receipt", code)
    basile.locator("main").get_by_role("button", name="Check", exact=True).click()
    expect(basile.locator("main [role=status]")).to_contain_text("This ballot is in the count.")
    expect(basile.locator("#inclusion-proof")).to_contain_text("Checked by the server")
    expect(basile.locator("#browser-check")).to_have_text(re.compile(r"^Checked in your browser: "))
    assert basile.locator("#browser-check").get_attribute("data-checked") == "ok"
