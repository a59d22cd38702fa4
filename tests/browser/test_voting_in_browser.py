"""Story, in a real browser against a live server whose clock the test moves: the admin sets a
worker co-op up; Alix writes an ordinary proposal and schedules it to open at once, and the
worker opens it; Basile votes yes, changes to no and checks his receipts; Chloé gives Basile
her proxy for this proposal, and Basile votes for her; Alix votes yes. Time passes the close,
the worker counts, and Basile, now reading in French, sees the result: the outcome, a chart,
and the roll call showing Chloé's ballot cast by him."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from coopfed.web.pages.proposals import input_time, next_minute
from coopfed.worker import Worker
from governance import invitation, membership_class
from governance import member as members
from governance.clock import ManualClock
from governance.member import Status
from tests.browser.conftest import TIMEOUT_MS, Backstage
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "ada@example.org"
ADMIN_PASSWORD = "correct horse battery"
TITLE = "Switch the office to renewable electricity"


@pytest.fixture
def live_clock(clock: ManualClock) -> ManualClock:
    """The live server runs on the test's ManualClock: the test moves time, never sleeps."""
    return clock


async def _add_admitted_member(
    stage: Backstage, email: str, name: str, username: str, password: str
) -> None:
    """Invited, accepted and admitted into the preset's worker class, through the services."""
    ctx = stage.ctx
    now = ctx.clock.now()
    async with ctx.session() as db:
        worker_class = await membership_class.by_slug(db, "worker")
        issued = await invitation.invite(
            db, email=email, display_name=name, class_id=worker_class.id, by=None, now=now
        )
        member = await invitation.accept(
            db,
            issued.secret,
            password=password,
            display_name=name,
            username=username,
            language="en",
            hasher=ctx.hasher,
            now=now,
        )
        await members.set_status(db, member, Status.MEMBER, by=None, now=now)
        await db.commit()


def _step_worker(stage: Backstage) -> dict[str, int]:
    done = stage.run(Worker(stage.ctx).run_once())
    assert all(n >= 0 for n in done.values()), f"a worker job failed: {done}"
    return done


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _sign_in(browser: Browser, live: LiveServer, email: str, password: str, name: str) -> Page:
    page = _page(browser)
    page.goto(f"{live.url}/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()
    return page


def _vote(page: Page, choice: str, button: str) -> str:
    """Tick ``choice`` in the vote form, submit it and return the receipt code shown once."""
    page.locator("#vote").get_by_role("radio", name=choice, exact=True).check()
    page.locator("#vote").get_by_role("button", name=button).click()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    code = receipt.inner_text().strip()
    assert code, "a receipt code is shown after voting"
    return code


def _check_receipt(page: Page, proposal_url: str, code: str) -> str:
    page.goto(f"{proposal_url}/receipt")
    page.fill("#receipt", code)
    page.locator("main").get_by_role("button", name="Check", exact=True).click()
    outcome = page.locator("main [role=status], main [role=alert]")
    expect(outcome).to_be_visible()
    return outcome.inner_text()


def test_members_vote_by_proxy_and_read_the_result_in_french(
    browser: Browser,
    live: LiveServer,
    backstage: Backstage,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    # 1. The admin sets the co-op up from the setup link, with the worker co-op bylaws.
    assert live.setup_url is not None
    admin = _page(browser)
    admin.goto(live.setup_url)
    admin.fill("#coop_name", "Les Codeuses")
    admin.fill("#display_name", "Ada Admin")
    admin.fill("#email", ADMIN_EMAIL)
    admin.select_option("#language", "en")
    admin.get_by_role("radio", name="Worker co-op: one member, one vote").check()
    admin.fill("#password", ADMIN_PASSWORD)
    admin.fill("#password_confirm", ADMIN_PASSWORD)
    admin.get_by_role("button", name="Create the co-op").click()
    expect(admin).to_have_url(re.compile(r"/admin/invitations"))

    # Three admitted members with known passwords, through the services.
    people = {
        "alix": ("alix@example.org", "Alix", "alix password 1"),
        "basile": ("basile@example.org", "Basile", "basile password 1"),
        "chloe": ("chloe@example.org", "Chloé", "chloe password 1"),
    }
    for username, (email, name, password) in people.items():
        backstage.run(_add_admitted_member(backstage, email, name, username, password))
    admin.goto(f"{live.url}/admin/members")
    for _email, name, _password in people.values():
        expect(admin.locator("tr", has_text=name).locator("td").nth(2)).to_have_text("member")

    # 2. Alix writes an ordinary proposal ...
    alix = _sign_in(browser, live, people["alix"][0], people["alix"][2], "Alix")
    alix.goto(f"{live.url}/proposals/new")
    alix.get_by_role("radio", name="Ordinary decision").check()
    alix.get_by_role("button", name="Continue").click()
    expect(alix.get_by_role("heading", name="New proposal: Ordinary decision")).to_be_visible()
    alix.fill("#title", TITLE)
    alix.fill("#body", "We buy **100 % renewable** electricity from the local co-op supplier.")
    alix.get_by_role("button", name="Save the draft").click()
    expect(alix).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_url = alix.url
    expect(alix.locator("h1 + p > strong")).to_have_text("draft")

    # ... and schedules it to open now: the form offers the earliest opening (the clock's
    # minute; the bylaws ask no notice) and the shortest voting period (two days).
    opens = next_minute(clock.now())
    expect(alix.locator("#opens_at")).to_have_value(input_time(opens))
    expect(alix.locator("#closes_at")).to_have_value(input_time(opens + timedelta(days=2)))
    alix.get_by_role("button", name="Schedule the vote").click()
    expect(alix.locator("h1 + p > strong")).to_have_text("scheduled")

    # The worker opens it once the clock moves on.
    clock.advance(timedelta(minutes=1))
    assert _step_worker(backstage)["proposal-clock"] >= 1
    alix.reload()
    expect(alix.locator("h1 + p > strong")).to_have_text("open for voting")
    _vote(alix, "yes", "Cast my vote")

    # 3. Basile votes yes, then changes his mind: the page shows the new choice and a new
    # receipt; the old receipt no longer matches a counted ballot.
    basile = _sign_in(browser, live, people["basile"][0], people["basile"][2], "Basile")
    basile.goto(proposal_url)
    expect(basile.locator("#vote")).to_contain_text("1 of 4 members has voted so far.")
    first_receipt = _vote(basile, "yes", "Cast my vote")
    expect(basile.locator("#receipt-box")).to_contain_text("Your ballot is recorded.")
    expect(basile.locator("#vote .notice")).to_contain_text("Your current vote: yes.")
    second_receipt = _vote(basile, "no", "Change my vote")
    assert second_receipt != first_receipt
    expect(basile.locator("#vote .notice")).to_contain_text("Your current vote: no.")
    expect(basile.locator("#vote").get_by_role("radio", name="no", exact=True)).to_be_checked()
    assert "in the count. Its choice: no." in _check_receipt(basile, proposal_url, second_receipt)
    assert "No ballot with this receipt code" in _check_receipt(basile, proposal_url, first_receipt)

    # Chloé gives Basile her proxy for this proposal.
    chloe = _sign_in(browser, live, people["chloe"][0], people["chloe"][2], "Chloé")
    chloe.goto(f"{live.url}/proxies")
    chloe.select_option("#holder_id", label="Basile (@basile)")
    chloe.select_option("#proposal_id", label=TITLE)
    chloe.get_by_role("button", name="Give the proxy").click()
    given = chloe.locator("section[aria-labelledby=given-heading] tbody tr")
    expect(given).to_have_count(1)
    expect(given.locator("td").nth(0)).to_have_text("Basile")
    expect(given.locator("td").nth(1)).to_have_text(TITLE)

    # Basile votes yes for Chloé with the "Vote for" select.
    basile.goto(proposal_url)
    behalf = basile.get_by_label("Vote for")
    expect(behalf.locator("option")).to_have_text(["myself", "Chloé, by proxy"])
    behalf.select_option(label="Chloé, by proxy")
    _vote(basile, "yes", "Change my vote")
    expect(basile.locator("#receipt-box")).to_contain_text("Your ballot for Chloé is recorded.")
    # His own ballot is untouched.
    expect(basile.locator("#vote .notice")).to_contain_text("Your current vote: no.")
    expect(basile.locator("#vote")).to_contain_text("3 of 4 members have voted so far.")

    # 4. Time passes the close; the worker closes and counts.
    clock.advance(timedelta(days=2))
    assert _step_worker(backstage)["proposal-clock"] >= 1

    # Basile switches to French with the footer's form and reads the result.
    basile.goto(proposal_url)
    basile.select_option("#language-switch", "fr")
    basile.locator("footer").get_by_role("button", name="Change", exact=True).click()
    expect(basile.locator("html")).to_have_attribute("lang", "fr")
    expect(basile).to_have_url(proposal_url)
    basile.goto(proposal_url)
    expect(basile.locator("html")).to_have_attribute("lang", "fr")

    result = basile.locator("section#result")
    expect(result.get_by_role("heading", name="Résultat")).to_be_visible()
    expect(result).to_contain_text("Décision : adoptée")
    expect(basile.locator("h1 + p > strong")).to_have_text("adoptée")
    expect(result).to_contain_text("3 bulletins")

    chart = result.locator("svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Voix par réponse")
    expect(chart.locator("desc")).to_have_text("oui: 2; non: 1; abstention: 0")

    # The roll call: Chloé's ballot was cast by Basile, his own and Alix's by themselves.
    roll_call = result.locator("table", has=basile.locator("caption", has_text="Qui a voté quoi"))
    expect(roll_call.locator("thead th")).to_have_text(
        ["Sociétaire", "Vote", "Déposé par mandataire", "Motif"]
    )
    rows = roll_call.locator("tbody tr")
    expect(rows).to_have_count(3)
    cells = sorted(tuple(rows.nth(i).locator("td").all_inner_texts()) for i in range(rows.count()))
    assert cells == [
        ("Alix", "oui", "—", ""),
        ("Basile", "non", "—", ""),
        ("Chloé", "oui", "Basile", ""),
    ], cells

    # 5. A screenshot of the result page, for a human (and the report) to look at.
    screenshot = tmp_path / "result-in-french.png"
    basile.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
