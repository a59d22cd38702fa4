"""Story: a newcomer is admitted by a vote and their first share is posted with the admission;
the treasurer records a year of income and expenses and closes it; the Beancount export is
bean-check clean; someone edits a row in SQL, and ``verify`` names it."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from coopfed.context import AppContext
from coopfed.ledger_service import verify_books
from coopfed.worker import LedgerCheckpoints, Worker
from governance import member as members
from governance.ballot import cast as ballots
from governance.clock import ManualClock
from governance.ledger import account, balance, books, export, journal, period, shares
from governance.ledger import draft as drafts
from governance.member import Status
from governance.proposal import lifecycle, service
from governance.proposal.model import ProposalStatus
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.integration.web_support import add_member


async def _admit(ctx: AppContext, clock: ManualClock) -> int:
    people = await coop_with_members(ctx, 3)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="Newcomer")
    proposal = await open_proposal(
        ctx, people[0], kind="member_admission", title="Admit", subject_member_id=applicant.id
    )
    for voter in people[:2]:
        async with ctx.session() as db:
            await ballots.cast(
                db, proposal.id, await members.get(db, voter.id), {"vote": "yes"}, now=clock.now()
            )
            await db.commit()
    clock.advance(timedelta(hours=73))
    async with ctx.session() as db:
        await lifecycle.close_due(db, now=clock.now())
        await db.commit()
        assert (await service.get(db, proposal.id)).status is ProposalStatus.PASSED
    return applicant.id


async def test_a_year_of_books(ctx: AppContext, clock: ManualClock, tmp_path: Path) -> None:
    newcomer = await _admit(ctx, clock)
    async with ctx.session() as db:
        rules = await books.rules(db)
        held = await shares.holding(db, newcomer, rules.currency)
        register = await shares.register(db)
    assert rules.min_subscription == 1 and held.shares == 1 and held.capital == rules.share_price
    assert [(op.number, op.member_id) for op in register] == [(1, newcomer)]

    start = clock.now().date()
    for month in range(12):
        day = start + timedelta(days=30 * month)
        clock.set(clock.now().replace(year=day.year, month=day.month, day=day.day))
        async with ctx.session() as db:
            for lines, what in (
                (
                    [("Assets:Bank", "EUR", "4200.00"), ("Income:Sales", "EUR", "-4200.00")],
                    "Monthly services",
                ),
                (
                    [("Expenses:Wages", "EUR", "3100.55"), ("Assets:Bank", "EUR", "-3100.55")],
                    "Wages",
                ),
                (
                    [("Expenses:General", "EUR", "120.10"), ("Assets:Bank", "EUR", "-120.10")],
                    "Hosting",
                ),
            ):
                await journal.record(db, drafts.make(day, what, lines), by=None, now=clock.now())
            await db.commit()
        await Worker(ctx, [LedgerCheckpoints()]).run_once()
    year_end = start + timedelta(days=30 * 11)
    clock.advance(timedelta(days=1))
    result = 12 * (Decimal("4200") - Decimal("3100.55") - Decimal("120.10"))
    async with ctx.session() as db:
        before = await balance.balance_sheet(db, "EUR")
        assert (before.surplus, before.retained) == (result, 0)
        assert before.assets == before.liabilities + before.equity + before.surplus
        await period.close(db, year_end, by=None, now=clock.now())
        await db.commit()
        # The closing entry moved the year's result to retained earnings.
        sheet = await balance.balance_sheet(db, "EUR")
        assert (sheet.surplus, sheet.retained, sheet.income, sheet.expenses) == (0, result, 0, 0)
        assert sheet.assets == before.assets
        assert sheet.assets == sheet.liabilities + sheet.equity
        beancount = await export.to_beancount(db, title="Tech Co-op", currency="EUR")
        report = await verify_books(db)
    assert report.ok, report.problem
    assert report.signed_checkpoints == 12

    path = tmp_path / "year.beancount"
    path.write_text(beancount, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "bean-check"), str(path), stdout=PIPE, stderr=PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, (out + err).decode()

    async with ctx.engine.begin() as conn:
        await conn.execute(
            text("UPDATE ledger_transactions SET date = :d WHERE seq = 10"), {"d": date(2020, 1, 1)}
        )
    async with ctx.session() as db:
        tampered = await verify_books(db)
    assert tampered.problem is not None and tampered.problem.seq == 10
    async with ctx.session() as db:  # the account tree is still there for the web pages
        assert await account.by_name(db, f"Equity:ShareCapital:M{newcomer}") is not None
