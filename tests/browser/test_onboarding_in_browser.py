"""Story, in a real browser against a live server: the first admin sets the co-op up from the
printed setup link, invites someone, the invitee accepts, the admin admits them, and the new
member signs in and switches the interface to French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "ada@example.org"
ADMIN_PASSWORD = "correct horse battery"
MEMBER_EMAIL = "bea@example.org"
MEMBER_PASSWORD = "a long enough pw"


def _page(browser: Browser) -> Page:
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def test_admin_onboards_a_member_who_then_reads_the_site_in_french(
    browser: Browser, live: LiveServer, tmp_path: Path
) -> None:
    assert live.setup_url is not None, "a fresh instance prints a setup link"
    assert live.setup_url.startswith(f"{live.url}/setup?token=")

    # The admin opens the printed setup link, names the co-op and sets a password.
    admin = _page(browser)
    admin.goto(live.setup_url)
    expect(admin.get_by_role("heading", name="Set up your co-op")).to_be_visible()
    admin.fill("#coop_name", "Les Codeuses")
    admin.fill("#display_name", "Ada Admin")
    admin.fill("#email", ADMIN_EMAIL)
    admin.select_option("#language", "en")
    admin.fill("#password", ADMIN_PASSWORD)
    admin.fill("#password_confirm", ADMIN_PASSWORD)
    admin.get_by_role("button", name="Create the co-op").click()
    expect(admin).to_have_url(re.compile(r"/admin/invitations"))
    expect(admin.locator("header .brand")).to_have_text("Les Codeuses")

    # The admin invites Béa and reads the one-time link off the page.
    admin.fill("#email", MEMBER_EMAIL)
    admin.fill("#display_name", "Béa")
    admin.get_by_role("button", name="Create the invitation link").click()
    link_field = admin.locator("#one-time-link")
    expect(link_field).to_be_visible()
    link = link_field.input_value()
    assert link.startswith(f"{live.url}/invite/"), link

    # The invitee, in a browser context of their own, accepts the invitation.
    member = _page(browser)
    member.goto(link)
    expect(member.get_by_role("heading", name="Join Les Codeuses")).to_be_visible()
    member.fill("#display_name", "Béa")
    member.fill("#username", "bea")
    member.fill("#password", MEMBER_PASSWORD)
    member.fill("#password_confirm", MEMBER_PASSWORD)
    member.get_by_role("button", name="Accept the invitation").click()
    expect(member).to_have_url(f"{live.url}/")
    expect(member.get_by_text("Your application is waiting for an admin")).to_be_visible()
    member.get_by_role("button", name="Sign out").click()
    expect(member.locator("header").get_by_role("link", name="Sign in")).to_be_visible()

    # The admin admits the applicant.
    admin.goto(f"{live.url}/admin/members")
    row = admin.locator("tr", has_text=MEMBER_EMAIL)
    expect(row.locator("td").nth(2)).to_have_text("applicant")
    row.get_by_role("button", name="Admit — Béa").click()
    row = admin.locator("tr", has_text=MEMBER_EMAIL)
    expect(row.locator("td").nth(2)).to_have_text("member")

    # The member signs in ...
    member.goto(f"{live.url}/signin")
    member.fill("#email", MEMBER_EMAIL)
    member.fill("#password", MEMBER_PASSWORD)
    member.locator("main").get_by_role("button", name="Sign in").click()
    expect(member.get_by_role("heading", name="Hello, Béa")).to_be_visible()
    expect(member.locator("header nav")).to_contain_text("Members")
    expect(member.locator("html")).to_have_attribute("lang", "en")

    # ... and switches to French with the footer's language form.
    member.select_option("#language-switch", "fr")
    with member.expect_response(
        lambda r: r.request.method == "GET" and r.request.resource_type == "document"
    ) as answer:
        member.locator("footer").get_by_role(
            "button", name=re.compile(r"^(Change|Changer)$")
        ).click()
    member.wait_for_load_state()
    screenshot = tmp_path / "member-in-french.png"
    member.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")

    assert answer.value.status == 200
    assert answer.value.headers.get("content-language") == "fr"
    expect(member.locator("html")).to_have_attribute("lang", "fr")
    expect(member.locator("#language-switch")).to_have_value("fr")
    # Needs the French catalogue (coopfed/locale/fr/LC_MESSAGES/messages.po).
    expect(member.locator("header nav")).to_contain_text(re.compile(r"Accueil|Membres|Sociétaires"))

    # The choice sticks: it is the member's setting, not just this page.
    again = member.goto(f"{live.url}/members")
    assert again is not None and again.headers.get("content-language") == "fr"
    expect(member.locator("html")).to_have_attribute("lang", "fr")
