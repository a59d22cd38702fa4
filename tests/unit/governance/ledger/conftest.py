"""Books for the ledger tests: an instance with the default chart and two members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from coopfed.context import AppContext
from governance.bylaws.document import LedgerRules
from governance.ledger import account, journal
from governance.ledger import draft as drafts
from governance.ledger.model import Account, Checkpoint, Posting, ShareOperation, Transaction
from governance.member import Member, Role
from tests.integration.api.conftest import make_member

RULES = LedgerRules(currency="EUR", share_price=Decimal("100"),
                    transfers_allowed=True)
DAY = date(2026, 11, 25)


@dataclass(frozen=True)
class Books:
    ctx: AppContext
    treasurer: Member
    ada: Member
    bea: Member


async def open_books(ctx: AppContext) -> Books:
    treasurer = await make_member(ctx, role=Role.ADMIN, username="tess")
    ada = await make_member(ctx, username="ada")
    bea = await make_member(ctx, username="bea")
    async with ctx.session() as db:
        await account.ensure_chart(db, "EUR", now=ctx.clock.now())
        for m in (ada, bea):
            await account.ensure_member_accounts(db, m.id, now=ctx.clock.now())
        await db.commit()
    return Books(ctx, treasurer, ada, bea)


@pytest.fixture
async def books(ctx: AppContext) -> Books:
    return await open_books(ctx)


async def record(
    ctx: AppContext, postings: list[tuple[str, str, str]], *, description: str = "Entry",
    day: date = DAY, by: int | None = None,
) -> Transaction:
    async with ctx.session() as db:
        tx = await journal.record(
            db, drafts.make(day, description, postings), by=by, now=ctx.clock.now()
        )
        await db.commit()
    return tx


async def snapshot(ctx: AppContext) -> dict[str, Any]:
    """Everything a ledger write could change, to prove a refusal changed nothing."""
    async with ctx.session() as db:
        return {
            "transactions": await db.scalar(select(func.count(Transaction.id))),
            "postings": (await db.execute(
                select(Posting.transaction_id, Posting.account_id, Posting.commodity,
                       Posting.amount).order_by(Posting.id))).all(),
            "head": await journal.size(db),
            "accounts": (await db.execute(
                select(Account.name, Account.closed_at).order_by(Account.id))).all(),
            "shares": await db.scalar(select(func.count(ShareOperation.id))),
            "checkpoints": await db.scalar(select(func.count(Checkpoint.id))),
        }
