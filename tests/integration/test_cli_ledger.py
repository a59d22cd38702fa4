"""``coopfed ledger …`` in-process with ``CliRunner`` on the test's own database: recording
from a JSON file, every refusal exiting 1 with its code and the books unchanged, exports,
the share register, and ``verify`` naming a transaction edited in SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from coopfed.context import AppContext
from governance.ledger import journal
from tests.integration.api.conftest import make_member
from tests.integration.test_cli import Cli
from tests.integration.test_cli_proposals import at


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


def write(tmp_path: Path, content: Any, name: str = "tx.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def tx(
    amount: str,
    account: str = "Assets:Bank",
    other: str = "Income:Sales",
    commodity: str = "EUR",
    other_amount: str | None = None,
) -> dict[str, Any]:
    return {
        "date": "2026-11-20",
        "description": "Invoice",
        "postings": [
            {"account": account, "commodity": commodity, "amount": amount},
            {"account": other, "commodity": commodity, "amount": other_amount or f"-{amount}"},
        ],
    }


def size(cli: Cli) -> int:
    async def work(ctx: AppContext) -> int:
        async with ctx.session() as db:
            return await journal.size(db)

    return at(cli, datetime.now(UTC), work)


def test_record_balance_export_verify(cli: Cli, tmp_path: Path) -> None:
    assert cli.invoke("ledger", "open").exit_code == 0
    done = cli.invoke(
        "ledger",
        "record",
        write(tmp_path, [tx("1200.50"), tx("80", "Expenses:General", "Assets:Bank")]),
    )
    assert done.exit_code == 0, done.output
    assert "Recorded transaction 0: Invoice" in done.output
    assert "Signed checkpoint: size 2" in done.output
    balance = cli.invoke("ledger", "balance")
    assert balance.exit_code == 0
    assert "Bank" in balance.output and "1120.5 EUR" in balance.output
    csv_out = cli.invoke("ledger", "export", "--format", "csv")
    assert csv_out.output.splitlines()[0].startswith("seq,date,kind")
    assert len(csv_out.output.splitlines()) == 5
    assert '2026-11-20 * "Invoice"' in cli.invoke("ledger", "export").output
    exported = json.loads(cli.invoke("ledger", "export", "--format", "json").output)
    assert [t["seq"] for t in exported["transactions"]] == [0, 1]
    verified = cli.invoke("ledger", "verify")
    assert verified.exit_code == 0, verified.output
    assert "OK: 2 transactions, 1 checkpoints" in verified.output
    assert "already covers" in cli.invoke("ledger", "checkpoint").output
    reversed_ = cli.invoke("ledger", "reverse", "1")
    assert reversed_.exit_code == 0 and "reversing 1" in reversed_.output


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (tx("10", other_amount="-9"), "ledger_unbalanced"),
        (
            {
                "description": "x",
                "postings": [{"account": "Assets:Bank", "commodity": "EUR", "amount": "1"}],
            },
            "ledger_single_posting",
        ),
        (tx("10", account="Assets:Safe"), "ledger_unknown_account"),
        (tx("10", commodity="GBP"), "ledger_undeclared_commodity"),
        (tx("10.005"), "ledger_too_many_decimals"),
        (
            tx(
                "1",
                account="Equity:ShareRegister:Issued",
                other="Equity:Reserves:Legal",
                commodity="SHARES",
                other_amount="-1",
            )
            | {
                "postings": [
                    {
                        "account": "Equity:ShareRegister:Issued",
                        "commodity": "SHARES",
                        "amount": "1",
                    },
                    {"account": "Equity:ShareRegister:M1", "commodity": "SHARES", "amount": "-1"},
                ]
            },
            "ledger_negative_holdings",
        ),
        ([tx("5"), tx("10", other_amount="-1")], "ledger_unbalanced"),
    ],
    ids=[
        "unbalanced",
        "single",
        "unknown-account",
        "undeclared",
        "decimals",
        "holdings",
        "second-of-two",
    ],
)
def test_record__refusal_exits_1_with_the_code_and_records_nothing(
    cli: Cli, tmp_path: Path, content: Any, code: str
) -> None:
    async def member_accounts(ctx: AppContext) -> None:
        from governance.ledger import account

        ada = await make_member(ctx, username="ada")
        async with ctx.session() as db:
            await account.ensure_chart(db, "EUR", now=ctx.clock.now())
            await account.ensure_member_accounts(db, ada.id, now=ctx.clock.now())
            await db.commit()

    at(cli, datetime.now(UTC), member_accounts)
    cli.invoke("ledger", "record", write(tmp_path, tx("3"), "first.json"))
    done = cli.invoke("ledger", "record", write(tmp_path, content))
    assert done.exit_code == 1
    assert f"[{code}]" in done.output
    assert size(cli) == 1


def test_close_account__with_a_balance_exits_1(cli: Cli, tmp_path: Path) -> None:
    cli.invoke("ledger", "open")
    assert cli.invoke("ledger", "open-account", "Expenses:Travel").exit_code == 0
    cli.invoke("ledger", "record", write(tmp_path, tx("7", "Expenses:Travel")))
    done = cli.invoke("ledger", "close-account", "Expenses:Travel")
    assert done.exit_code == 1 and "[ledger_account_not_zero]" in done.output
    closed = cli.invoke(
        "ledger", "record", write(tmp_path, tx("7", "Income:Sales", "Expenses:Travel"), "back.json")
    )
    assert closed.exit_code == 0
    assert cli.invoke("ledger", "close-account", "Expenses:Travel").exit_code == 0
    again = cli.invoke("ledger", "record", write(tmp_path, tx("1", "Expenses:Travel"), "late.json"))
    assert again.exit_code == 1 and "[ledger_closed_account]" in again.output


def test_close_period__prints_the_closing_entry_then_refuses_the_same_period(
    cli: Cli, tmp_path: Path
) -> None:
    cli.invoke("ledger", "open")
    cli.invoke("ledger", "record",
               write(tmp_path, [tx("1200.50"), tx("80", "Expenses:General", "Assets:Bank")]))
    done = cli.invoke("ledger", "close-period", "2026-11-21")
    assert done.exit_code == 0, done.output
    assert ("Closing entry, transaction 2 (2026-11-21): Result of the period ending 2026-11-21 "
            "to retained earnings") in done.output
    assert "  Expenses:General  -80 EUR" in done.output
    assert "  Income:Sales  1200.5 EUR" in done.output
    assert "  Equity:RetainedEarnings  -1120.5 EUR" in done.output
    assert "Period closed up to 2026-11-21 (transaction 3)." in done.output
    again = cli.invoke("ledger", "close-period", "2026-11-21")
    assert again.exit_code == 1 and "[ledger_period_order]" in again.output
    assert size(cli) == 4


def test_shares__subscribe_redeem_and_refusals(cli: Cli) -> None:
    at(cli, datetime.now(UTC), lambda ctx: make_member(ctx, username="ada"))
    at(cli, datetime.now(UTC), lambda ctx: make_member(ctx, username="bea"))
    done = cli.invoke("ledger", "shares", "subscribe", "ada", "4")
    assert done.exit_code == 0, done.output
    assert "Operation 1: ada subscribed 4 share(s)." in done.output
    refused = cli.invoke("ledger", "shares", "redeem", "ada", "5")
    assert refused.exit_code == 1 and "[ledger_negative_holdings]" in refused.output
    no_transfer = cli.invoke("ledger", "shares", "transfer", "ada", "bea", "1")
    assert no_transfer.exit_code == 1 and "[ledger_transfers_not_allowed]" in no_transfer.output
    assert cli.invoke("ledger", "shares", "redeem", "ada", "4").exit_code == 0
    listing = cli.invoke("ledger", "shares", "list").output
    assert "subscribe" in listing and "redeem" in listing


def test_verify__after_an_sql_edit_exits_1_naming_the_transaction(cli: Cli, tmp_path: Path) -> None:
    cli.invoke("ledger", "open")
    cli.invoke("ledger", "record", write(tmp_path, [tx("10"), tx("20"), tx("30")]))

    async def tamper(ctx: AppContext) -> None:
        async with ctx.engine.begin() as conn:
            await conn.execute(
                text("UPDATE ledger_transactions SET description = 'Gift' WHERE seq = 1")
            )

    at(cli, datetime.now(UTC), tamper)
    done = cli.invoke("ledger", "verify")
    assert done.exit_code == 1
    assert "first bad transaction: 1" in done.output
