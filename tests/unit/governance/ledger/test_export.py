"""Exports: CSV and JSON carry every posting; bean-check accepts the Beancount text."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from asyncio.subprocess import PIPE
from datetime import timedelta
from pathlib import Path

from governance.ledger import account, export, journal, period, shares
from tests.unit.governance.ledger.conftest import DAY, RULES, Books, record


async def _a_year(books: Books) -> None:
    ctx = books.ctx
    async with ctx.session() as db:
        await shares.subscribe(db, books.ada.id, 3, RULES, by=None, now=ctx.clock.now(),
                               day=DAY - timedelta(days=300))
        await shares.subscribe(db, books.bea.id, 2, RULES, by=None, now=ctx.clock.now(),
                               day=DAY - timedelta(days=299))
        await account.ensure_partner_accounts(db, "Acme Co-op", "Acme", now=ctx.clock.now())
        await db.commit()
    for month in range(1, 10):
        day = DAY - timedelta(days=300 - 30 * month)
        await record(ctx, [("Assets:Receivable:Partners:Acme", "EUR", "1500"),
                           ("Income:Sales", "EUR", "-1500")],
                     description=f'Invoice "{month}" to Acme', day=day)
        await record(ctx, [("Expenses:Wages", "EUR", "999.99"),
                           ("Assets:Bank", "EUR", "-999.99")], description="Wages", day=day)
    async with ctx.session() as db:
        await journal.reverse(db, 3, by=None, now=ctx.clock.now())
        await period.close(db, DAY - timedelta(days=1), by=None, now=ctx.clock.now())
        await account.open_account(db, "Expenses:Closed", now=ctx.clock.now())
        await account.close_account(db, "Expenses:Closed", now=ctx.clock.now())
        await db.commit()


async def test_beancount_export__passes_bean_check(books: Books, tmp_path: Path) -> None:
    await _a_year(books)
    async with books.ctx.session() as db:
        text = await export.to_beancount(db, title="Tech Co-op", currency="EUR")
    path = tmp_path / "books.beancount"
    path.write_text(text, encoding="utf-8")
    bean_check = Path(sys.executable).parent / "bean-check"
    process = await asyncio.create_subprocess_exec(
        str(bean_check), str(path), stdout=PIPE, stderr=PIPE
    )
    out, err = await process.communicate()
    report = (out + err).decode()
    assert process.returncode == 0, report + "\n" + text
    assert report.strip() == ""
    assert 'Invoice \\"1\\" to Acme' in text
    assert "open Equity:ShareRegister:M" in text


async def test_csv_export__one_row_per_posting(books: Books) -> None:
    await _a_year(books)
    async with books.ctx.session() as db:
        rows = list(csv.DictReader(io.StringIO(await export.to_csv(db))))
        document = await export.to_json(db)
    postings = sum(len(t["postings"]) for t in document["transactions"])
    assert len(rows) == postings
    assert rows[0]["seq"] == "0" and rows[0]["commodity"] == "SHARES"
    assert {r["amount"] for r in rows if r["account"] == "Expenses:Wages"} >= {"999.99"}
    assert document["transactions"][-1]["kind"] == "period_close"
