"""Story, in a real browser: the admin sets a co-op up, subscribes shares for a member in the
share register and records a sale through the books' form; the member sees the books with
the balance-sheet chart, and their shares and capital, in French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from governance import member as members
from tests.browser.conftest import TIMEOUT_MS, Backstage
from tests.browser.test_voting_in_browser import _add_admitted_member
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "ada@example.org"
ADMIN_PASSWORD = "correct horse battery"
SHOTS = Path("/tmp")


async def _speaks_french(stage: Backstage, email: str) -> None:
    async with stage.ctx.session() as db:
        found = await members.by_email(db, email)
        assert found is not None
        await members.update_profile(db, found, language="fr")
        await db.commit()


def _page(browser: Browser, locale: str = "en-GB") -> Page:
    context = browser.new_context(locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def test_treasurer_records_and_a_member_reads_the_books_in_french(
    browser: Browser, live: LiveServer, backstage: Backstage, tmp_path: Path
) -> None:
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
    backstage.run(
        _add_admitted_member(
            backstage, "basile@example.org", "Basile", "basile", "basile password 1"
        )
    )

    backstage.run(_speaks_french(backstage, "basile@example.org"))

    admin.goto(f"{live.url}/ledger/shares")
    admin.select_option("#action", "subscribe")
    admin.select_option("#member_id", label="Basile (@basile)")
    admin.fill("#quantity", "3")
    admin.locator("main").get_by_role("button", name="Record").click()
    expect(admin.get_by_text("The share operation is recorded.")).to_be_visible()

    admin.goto(f"{live.url}/ledger")
    admin.fill("#description", "Website for a partner co-op")
    admin.select_option("#account_0", "Assets:Bank")
    admin.fill("#amount_0", "1800")
    admin.select_option("#account_1", "Income:Sales")
    admin.fill("#amount_1", "-1700")
    admin.get_by_role("button", name="Record", exact=True).click()
    expect(admin.get_by_text("sum to 100")).to_be_visible()  # refused, form kept
    admin.fill("#amount_1", "-1800")
    admin.get_by_role("button", name="Record", exact=True).click()
    expect(admin.get_by_text("The transaction is recorded")).to_be_visible()

    basile = _page(browser, locale="fr-FR")
    basile.goto(f"{live.url}/signin")
    basile.fill("#email", "basile@example.org")
    basile.fill("#password", "basile password 1")
    basile.locator("main").get_by_role("button", name=re.compile("Se connecter")).click()
    basile.goto(f"{live.url}/ledger")
    expect(basile.get_by_role("heading", name="Comptes", exact=True)).to_be_visible()
    expect(basile.locator("svg.chart")).to_be_visible()
    expect(basile.get_by_text("Website for a partner co-op")).to_be_visible()
    basile.screenshot(path=str(SHOTS / "coopfed-books-fr.png"), full_page=True)
    basile.goto(f"{live.url}/ledger/me")
    expect(basile.get_by_role("heading", name="Mes parts et mon capital")).to_be_visible()
    expect(basile.locator("main")).to_contain_text("souscription")
    basile.screenshot(path=str(SHOTS / "coopfed-my-shares-fr.png"), full_page=True)
