"""Story (issue #5, "Done when"): on a fresh worker co-op, a newcomer is admitted with a share
subscription, the treasurer records a year of income and expenses, proposes the year's surplus
allocation by the bylaws' SCOP policy over the API, members see the preview and pass it; the
allocation is posted as one transaction crediting the reserves, what is owed to each member and
their capital accounts; the Beancount export is bean-check clean; a row edited in SQL makes
``coopfed ledger verify`` exit 1 naming it."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text

from coopfed.context import AppContext
from coopfed.worker import LedgerCheckpoints, ProposalClock, Worker
from governance import member as members
from governance.bylaws import store as bylaws_store
from governance.clock import ManualClock
from governance.ledger import shares
from governance.member import Role, Status
from tests.integration.api.conftest import API, make_token
from tests.integration.governance_support import coop_with_members
from tests.integration.test_cli import Cli
from tests.integration.web_support import add_member

L = f"{API}/ledger"
D = Decimal
YEAR = 2027


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def vote_and_close(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, proposal_id: int,
    voters: list[str], *, hours: int = 72, notice: int = 0,
) -> None:
    """Schedule (after ``notice`` hours), open, everyone votes yes, the worker closes it."""
    opens = clock.now() + timedelta(hours=notice)
    scheduled = await client.post(
        f"{API}/proposals/{proposal_id}/schedule",
        json={"opens_at": opens.isoformat(),
              "closes_at": (opens + timedelta(hours=hours)).isoformat()},
        headers=bearer(voters[0]),
    )
    assert scheduled.status_code == 200, scheduled.text
    clock.advance(timedelta(hours=notice))
    await Worker(ctx, [ProposalClock()]).run_once()
    for token in voters:
        cast = await client.post(
            f"{API}/proposals/{proposal_id}/ballots", json={"choice": {"vote": "yes"}},
            headers=bearer(token),
        )
        assert cast.status_code == 201, cast.text
    clock.advance(timedelta(hours=hours + 1))
    await Worker(ctx, [ProposalClock(), LedgerCheckpoints()]).run_once()


async def test_a_year_then_its_surplus_allocated_posted_exported_and_verified(
    ctx: AppContext, clock: ManualClock, client: AsyncClient, tmp_path: Path,
    database_url: str,
) -> None:
    people = await coop_with_members(ctx, 3)
    async with ctx.session() as db:
        await members.set_role(
            db, await members.get(db, people[1].id), Role.TREASURER, by=people[0].id,
            now=clock.now(),
        )
        await db.commit()
    tokens = [await make_token(ctx, p) for p in people]
    admin_token, treasurer_token = tokens[0], tokens[1]

    # A newcomer is admitted by a vote; the bylaws' first share is posted with the admission.
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="Newcomer")
    made = await client.post(
        f"{API}/proposals",
        json={"kind": "member_admission", "title": "Admit Newcomer",
              "subject_member_id": applicant.id},
        headers=bearer(admin_token),
    )
    assert made.status_code == 201, made.text
    await vote_and_close(client, ctx, clock, made.json()["id"], tokens)
    async with ctx.session() as db:
        assert (await members.get(db, applicant.id)).status is Status.MEMBER
        held = await shares.holding(db, applicant.id, "EUR")
    assert (held.shares, held.capital) == (1, Decimal("100"))

    # A year of books: monthly sales, wages and hosting.
    for month in range(1, 13):
        day = date(YEAR, month, 15).isoformat()
        for postings, what in (
            ((("Assets:Bank", "5000.00"), ("Income:Sales", "-5000.00")), "Monthly services"),
            ((("Expenses:Wages", "3800.00"), ("Assets:Bank", "-3800.00")), "Wages"),
            ((("Expenses:General", "200.00"), ("Assets:Bank", "-200.00")), "Hosting"),
        ):
            recorded = await client.post(
                f"{L}/transactions",
                json={"date": day, "description": what, "postings": [
                    {"account": a, "commodity": "EUR", "amount": x} for a, x in postings]},
                headers=bearer(treasurer_token),
            )
            assert recorded.status_code == 201, recorded.text
    clock.set(clock.now().replace(year=YEAR + 1, month=3, day=1))

    # The worker_coop bylaws start from the fr_scop policy; the members amend it to credit half
    # of the workers' share to capital accounts and pay 2 % interest on share capital.
    async with ctx.session() as db:
        document = (await bylaws_store.current(db)).to_json()
    document["ledger"]["allocation"]["members"]["cash"] = "0.5"
    document["ledger"]["allocation"]["interest"]["rate"] = "0.02"
    amendment = await client.post(
        f"{API}/proposals",
        json={"kind": "bylaws_amendment", "title": "Credit half of the part travail",
              "proposed_bylaws": document},
        headers=bearer(admin_token),
    )
    assert amendment.status_code == 201, amendment.text
    await vote_and_close(
        client, ctx, clock, amendment.json()["id"], [admin_token, *tokens[1:],
        await make_token(ctx, applicant)], hours=7 * 24 + 1, notice=7 * 24,
    )
    async with ctx.session() as db:
        assert (await bylaws_store.current(db)).ledger.allocation["members"]["cash"] == "0.5"

    # Before the year is closed the draft offers its result, telling the treasurer to close it.
    draft = await client.get(
        f"{L}/allocations/draft", params={"fiscal_year": YEAR}, headers=bearer(treasurer_token)
    )
    assert (draft.json()["suggested_surplus"], draft.json()["year_closed"]) == ("12000", False)
    sheet = (await client.get(f"{L}/reports/balance-sheet", headers=bearer(tokens[2]))).json()
    assert (sheet["surplus"], sheet["retained_earnings"]) == ("12000", "0")
    assert D(sheet["assets"]) == D(sheet["liabilities"]) + D(sheet["equity"]) + D(
        sheet["surplus"])

    # The treasurer closes the year: the closing entry moves its result to retained earnings.
    closed = await client.post(f"{L}/periods", json={"end": f"{YEAR}-12-31"},
                               headers=bearer(treasurer_token))
    assert closed.status_code == 201, closed.text
    closing = closed.json()["closing_entry"]
    assert closing["kind"] == "result_close" and closing["date"] == f"{YEAR}-12-31"
    assert {(p["account"], p["amount"]) for p in closing["postings"]} == {
        ("Income:Sales", "60000"), ("Expenses:Wages", "-45600"),
        ("Expenses:General", "-2400"), ("Equity:RetainedEarnings", "-12000"),
    }
    again = await client.post(f"{L}/periods", json={"end": f"{YEAR}-12-31"},
                              headers=bearer(treasurer_token))
    assert again.status_code == 422, again.text
    sheet = (await client.get(f"{L}/reports/balance-sheet", headers=bearer(tokens[2]))).json()
    assert (sheet["surplus"], sheet["retained_earnings"]) == ("0", "12000")
    assert D(sheet["assets"]) == D(sheet["liabilities"]) + D(sheet["equity"])

    # The treasurer starts from the draft: the retained earnings and every member's capital.
    draft = await client.get(
        f"{L}/allocations/draft", params={"fiscal_year": YEAR}, headers=bearer(treasurer_token)
    )
    assert draft.status_code == 200, draft.text
    assert (draft.json()["suggested_surplus"], draft.json()["year_closed"]) == ("12000", True)
    assert draft.json()["policy"]["legal_form"] == "fr_scop"
    capital = {m["member_id"]: m["capital"] for m in draft.json()["members"]}
    assert capital[applicant.id] == "100"

    figures = {
        people[0].id: ("1600", "36000"),
        people[1].id: ("1200", "27000"),
        people[2].id: ("800", "18000"),
        applicant.id: ("400", "9000"),
    }
    body: dict[str, Any] = {
        "fiscal_year": YEAR,
        "surplus": draft.json()["suggested_surplus"],
        "members": [{"member_id": i, "hours": h, "pay": p} for i, (h, p) in figures.items()],
    }
    preview = await client.post(
        f"{L}/allocations/preview", json=body, headers=bearer(treasurer_token)
    )
    assert preview.status_code == 200, preview.text
    totals = preview.json()["preview"]["totals"]
    # fr_scop: 15 % legal reserve, 45 % to the workers (half hours, half pay), 2 % interest on
    # the newcomer's 100 of share capital, the remainder (40 % less the interest) to the fund.
    assert (totals["legal_reserve"], totals["patronage"], totals["interest"],
            totals["indivisible_reserve"]) == ("1800.00", "5400.00", "2.00", "4798.00")
    # Hours and pay are in the same proportions (4:3:2:1 out of 10), so the shares are exact.
    rows = {r["member_id"]: r for r in preview.json()["preview"]["rows"]}
    assert [rows[i]["patronage"] for i in figures] == ["2160.00", "1620.00", "1080.00", "540.00"]

    proposed = await client.post(
        f"{L}/allocations", json={**body, "title": "Allocate the 2027 surplus"},
        headers=bearer(treasurer_token),
    )
    assert proposed.status_code == 201, proposed.text
    proposal_id = proposed.json()["proposal_id"]
    assert proposed.json()["status"] == "draft"

    # Every member reads the frozen figures and the preview while voting.
    seen = await client.get(f"{L}/allocations/{proposal_id}", headers=bearer(tokens[2]))
    assert seen.status_code == 200 and seen.json()["preview"]["totals"] == totals
    assert seen.json()["enactment"] is None

    everyone = [treasurer_token, admin_token, tokens[2], await make_token(ctx, applicant)]
    await vote_and_close(client, ctx, clock, proposal_id, everyone)

    outcome = (await client.get(f"{L}/allocations/{proposal_id}", headers=bearer(tokens[2])))
    assert outcome.json()["status"] == "passed"
    enactment = outcome.json()["enactment"]
    assert enactment["ok"] is True, enactment
    posted = (
        await client.get(f"{L}/transactions/{enactment['transaction_seq']}",
                         headers=bearer(tokens[2]))
    ).json()
    assert posted["kind"] == "allocation"
    # Dated the day it passed, it says which year's surplus it distributes.
    assert posted["date"] == f"{YEAR + 1}-03-{posted['date'][-2:]}"
    assert posted["description"].startswith(f"Surplus allocation of fiscal year {YEAR}")
    assert posted["data"]["fiscal_year"] == YEAR
    lines = {(p["account"], p["amount"]) for p in posted["postings"]}
    assert ("Equity:RetainedEarnings", "12000") in lines
    assert ("Equity:Reserves:Legal", "-1800") in lines
    assert ("Equity:Reserves:Indivisible", "-4798") in lines
    # Half of each member's patronage is owed in cash (plus the interest), half is credited.
    assert (f"Liabilities:Payable:Members:M{people[0].id}", "-1080") in lines
    assert (f"Equity:CapitalAccounts:M{people[0].id}", "-1080") in lines
    assert (f"Liabilities:Payable:Members:M{applicant.id}", "-272") in lines
    assert (f"Equity:CapitalAccounts:M{applicant.id}", "-270") in lines
    assert sum(Decimal(p["amount"]) for p in posted["postings"]) == 0
    # The surplus is distributed: nothing retained any more, and the balance sheet adds up.
    sheet = (await client.get(f"{L}/reports/balance-sheet", headers=bearer(tokens[2]))).json()
    assert (sheet["surplus"], sheet["retained_earnings"]) == ("0", "0")
    assert D(sheet["assets"]) == D(sheet["liabilities"]) + D(sheet["equity"])

    for member_id, credited in ((applicant.id, "270"), (people[2].id, "540")):
        books = (await client.get(f"{L}/members/{member_id}", headers=bearer(tokens[2]))).json()
        assert books["holding"]["capital_account"] == credited
        assert [(h["seq"], h["fiscal_year"]) for h in books["capital_account_history"]] == [
            (enactment["transaction_seq"], YEAR)
        ]
    assert books["holding"]["share_capital"] == "0"

    # The Beancount export passes bean-check.
    exported = await client.get(f"{L}/export", params={"format": "beancount"},
                                headers=bearer(tokens[2]))
    path = tmp_path / "books.beancount"
    path.write_text(exported.json()["content"], encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "bean-check"), str(path), stdout=PIPE, stderr=PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, (out + err).decode()

    # Someone edits the allocation's row in SQL: verify names it.
    cli = Cli(tmp_path, database_url)
    clean = await asyncio.to_thread(cli.invoke, "ledger", "verify")
    assert clean.exit_code == 0, clean.output
    async with ctx.engine.begin() as conn:
        await conn.execute(
            text("UPDATE ledger_transactions SET description = 'Gift' WHERE seq = :seq"),
            {"seq": enactment["transaction_seq"]},
        )
    caught = await asyncio.to_thread(cli.invoke, "ledger", "verify")
    assert caught.exit_code == 1
    assert f"first bad transaction: {enactment['transaction_seq']}" in caught.output
