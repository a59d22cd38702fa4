"""Story: the books are kept, checkpoints signed; someone edits a row in SQL; verify names it."""

from __future__ import annotations

from sqlalchemy import text

from coopfed.context import AppContext
from coopfed.ledger_service import publish_checkpoint, verify_books
from coopfed.worker import LedgerCheckpoints
from governance.ledger import journal, leaf
from governance.ledger.verify import VerifyReport
from tests.unit.governance.ledger.conftest import open_books, record


async def _keep_books(ctx: AppContext) -> None:
    books = await open_books(ctx)
    for n in range(6):
        await record(ctx, [("Assets:Bank", "EUR", f"{100 + n}.25"),
                           ("Income:Sales", "EUR", f"-{100 + n}.25")], description=f"Invoice {n}")
        if n == 2:
            assert await LedgerCheckpoints().run_once(ctx) == 1
    await record(ctx, [("Expenses:Wages", "EUR", "300"), ("Assets:Bank", "EUR", "-300")],
                 by=books.treasurer.id)
    async with ctx.session() as db:
        assert await publish_checkpoint(ctx, db) is not None
        assert await publish_checkpoint(ctx, db) is None  # nothing new to sign
        await db.commit()


async def _verify(ctx: AppContext) -> VerifyReport:
    async with ctx.session() as db:
        return await verify_books(db)


async def test_untouched_books__verify_with_two_signed_checkpoints(ctx: AppContext) -> None:
    await _keep_books(ctx)
    report = await _verify(ctx)
    assert report.ok, report.problem
    assert (report.size, report.checkpoints, report.signed_checkpoints) == (7, 2, 2)
    assert all(total == 0 for total in report.totals.values())


async def test_an_amount_edited_in_sql__verify_names_that_transaction(ctx: AppContext) -> None:
    await _keep_books(ctx)
    async with ctx.engine.begin() as conn:
        # Still balanced, so only the log can tell.
        tx_id = (await conn.execute(
            text("SELECT id FROM ledger_transactions WHERE seq = 4"))).scalar_one()
        await conn.execute(text(
            "UPDATE ledger_postings SET amount = CASE WHEN position = 0 THEN 1 ELSE -1 END "
            "WHERE transaction_id = :t"), {"t": tx_id})
    report = await _verify(ctx)
    assert report.problem is not None and report.problem.seq == 4, report.problem
    assert "transaction 4" in report.problem.message


async def test_a_row_edited_and_its_hash_recomputed__the_signed_checkpoint_catches_it(
    ctx: AppContext,
) -> None:
    await _keep_books(ctx)
    async with ctx.session() as db:
        tx = await journal.get(db, 1)
        lines = (await journal.postings_of(db, [tx.id]))[tx.id]
        forged = leaf.leaf_hash(leaf.document(
            seq=1, kind=tx.kind.value, day=tx.date, description="Changed",
            recorded_at=tx.recorded_at, recorded_by=tx.recorded_by_id, reverses=None,
            postings=[(p.account, p.commodity, p.amount) for p in lines], data=tx.data,
        ))
    async with ctx.engine.begin() as conn:
        await conn.execute(text(
            "UPDATE ledger_transactions SET description = 'Changed', leaf_hash = :h "
            "WHERE seq = 1"), {"h": forged})
    report = await _verify(ctx)
    assert report.problem is not None, "a forged leaf hash went unnoticed"
    assert "checkpoint" in report.problem.message
    assert report.problem.seq == 0  # the first transaction the failing checkpoint covers


async def test_a_forged_signature__is_reported(ctx: AppContext) -> None:
    await _keep_books(ctx)
    async with ctx.engine.begin() as conn:
        await conn.execute(text(
            "UPDATE ledger_checkpoints SET signature = 'AAAA' WHERE size = 3"))
    report = await _verify(ctx)
    assert report.problem is not None and "invalid signature" in report.problem.message


async def test_a_deleted_transaction__is_reported(ctx: AppContext) -> None:
    await _keep_books(ctx)
    async with ctx.engine.begin() as conn:
        tx_id = (await conn.execute(
            text("SELECT id FROM ledger_transactions WHERE seq = 6"))).scalar_one()
        await conn.execute(text("DELETE FROM ledger_postings WHERE transaction_id = :t"),
                           {"t": tx_id})
        await conn.execute(text("DELETE FROM ledger_transactions WHERE id = :t"), {"t": tx_id})
    report = await _verify(ctx)
    assert report.problem is not None
