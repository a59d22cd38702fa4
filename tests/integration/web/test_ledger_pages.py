"""The ledger pages: the books with their chart for every member, recording for treasurers,
refusals shown with the books unchanged, the share register, my shares and capital, privacy,
exports, in English and French."""

from __future__ import annotations

from httpx import AsyncClient
from starlette.applications import Starlette

from coopfed.context import AppContext
from governance.ledger import account
from governance.member import Role
from tests.helpers import csrf_of
from tests.integration.web import browser, post, set_up
from tests.integration.web_support import add_member
from tests.unit.governance.ledger.conftest import snapshot


def sale(amount: str = "300", other: str = "-300") -> dict[str, str]:
    return {
        "date": "2026-11-20",
        "description": "Invoice 7",
        "account_0": "Assets:Bank",
        "commodity_0": "EUR",
        "amount_0": amount,
        "account_1": "Income:Sales",
        "commodity_1": "EUR",
        "amount_1": other,
    }


async def test_treasurer_records__members_see_books_chart_and_exports(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "tess@example.org", name="Tess", role=Role.TREASURER)
    await add_member(ctx, "bea@example.org", name="Bea")
    async with browser(app, "tess@example.org") as tess, browser(app, "bea@example.org") as bea:
        done = await post(tess, "/ledger/transactions", sale(), page="/ledger")
        assert done.status_code == 303, done.text
        books = await tess.get("/ledger")
        assert "The transaction is recorded" in books.text
        page = (await bea.get("/ledger")).text
        assert "<svg" in page and "Balance sheet" in page and "Invoice 7" in page
        assert "Record a transaction" not in page  # members read only
        refused = await bea.post(
            "/ledger/transactions", data={**sale(), "csrf_token": csrf_of(page)}
        )
        assert refused.status_code == 403
        csv = await bea.get("/ledger/export/csv")
        assert csv.status_code == 200 and "Invoice 7" in csv.text
        assert "attachment" in csv.headers["content-disposition"]
        assert (await bea.get("/ledger/export/xls")).status_code == 404


async def test_refused_transaction__shows_the_reason_and_changes_nothing(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    await post(client, "/ledger/transactions", sale(), page="/ledger")  # the admin records
    before = await snapshot(ctx)
    refused = await post(client, "/ledger/transactions", sale("300", "-299"), page="/ledger")
    assert refused.status_code == 422
    assert "sum to 1" in refused.text and 'value="Invoice 7"' in refused.text
    assert await snapshot(ctx) == before
    decimals = await post(client, "/ledger/transactions", sale("1.001", "-1.001"), page="/ledger")
    assert decimals.status_code == 422 and "too many decimals" in decimals.text
    assert await snapshot(ctx) == before


async def test_share_register_and_my_shares__in_french(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx)
    bea = await add_member(ctx, "bea@example.org", name="Bea")
    done = await post(
        client,
        "/ledger/shares",
        {"action": "subscribe", "member_id": str(bea.id), "quantity": "3"},
        page="/ledger/shares",
    )
    assert done.status_code == 303, done.text
    too_many = await post(
        client,
        "/ledger/shares",
        {"action": "redeem", "member_id": str(bea.id), "quantity": "4"},
        page="/ledger/shares",
    )
    assert too_many.status_code == 422 and "below zero" in too_many.text
    async with ctx.session() as db:
        await account.open_account(db, "Expenses:Travel", description="Custom travel",
                                   now=ctx.clock.now())
        await db.commit()
    async with browser(app, "bea@example.org") as b:
        await b.post(
            "/language",
            data={"language": "fr", "csrf_token": csrf_of((await b.get("/ledger")).text)},
        )
        mine = await b.get("/ledger/me", headers={"accept-language": "fr"})
        assert mine.status_code == 200
        assert "Mes parts et mon capital" in mine.text and "souscription" in mine.text
        books = await b.get("/ledger", headers={"accept-language": "fr"})
        assert "Comptes" in books.text and "Bilan" in books.text
        # The shipped chart's descriptions are shown translated, custom ones as stored.
        assert "Ventes et prestations" in books.text and "Sales and services" not in books.text
        assert "Capital social" in books.text and "Custom travel" in books.text
        register = await b.get("/ledger/shares", headers={"accept-language": "fr"})
        assert "Registre des parts" in register.text


async def test_private_details__another_members_page_is_403(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up(client, ctx, preset="multi_stakeholder")
    bea = await add_member(ctx, "bea@example.org", name="Bea")
    cy = await add_member(ctx, "cy@example.org", name="Cy")
    await post(
        client,
        "/ledger/shares",
        {"action": "subscribe", "member_id": str(cy.id), "quantity": "1"},
        page="/ledger/shares",
    )
    async with browser(app, "bea@example.org") as b:
        assert (await b.get(f"/ledger/members/{cy.id}")).status_code == 403
        assert (await b.get(f"/ledger/members/{bea.id}")).status_code == 200
        assert "Cy" not in (await b.get("/ledger/shares")).text
    assert (await client.get(f"/ledger/members/{cy.id}")).status_code == 200  # the admin
