"""``coopfed ledger …``: the books from the command line, for admins and treasurers' scripts.

Every refusal exits non-zero and prints the invariant's code (``ledger_unbalanced`` …) and its
message; ``ledger verify`` exits non-zero naming the first bad transaction.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

import click

from coopfed import migrate
from coopfed.cli import _settings, _with_context, settings_options
from coopfed.context import AppContext
from coopfed.ledger_service import publish_checkpoint, verify_books
from governance import member as members
from governance.errors import GovernanceError
from governance.ledger import account, balance, books, export, journal, period, shares
from governance.ledger import draft as drafts
from governance.ledger.commodity import plain


@click.group()
def ledger() -> None:
    """The shared-ownership ledger: balances, recording, share register, exports, verify."""


def _command(func: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async ledger action; a refusal exits 1 with its code and message."""

    @functools.wraps(func)
    def wrapper(data_dir: Path | None, config_file: Path | None, **kwargs: Any) -> None:
        settings = _settings(config_file, data_dir=data_dir)

        async def work(ctx: AppContext) -> None:
            await func(ctx, **kwargs)

        try:
            asyncio.run(_with_context(settings, work))
        except GovernanceError as exc:
            raise click.ClickException(f"[{exc.code}] {exc.message}") from None
        except migrate.SchemaOutOfDate as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


async def _by(db: Any, who: str | None) -> int | None:
    return None if who is None else (await members.find(db, who)).id


def _amounts(values: dict[str, Any]) -> str:
    return ", ".join(f"{plain(v)} {c}" for c, v in sorted(values.items())) or "0"


@ledger.command("balance")
@settings_options
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only transactions up to DATE.")
@_command
async def ledger_balance(ctx: AppContext, until: Any) -> None:
    """Print the trial balance: every account with its subtree's total."""
    async with ctx.session() as db:
        trial = await balance.trial_balance(db, until=until.date() if until else None)
    for line in trial.lines:
        if line.total or line.depth == 0:
            label = "  " * line.depth + line.leaf_name + ("" if line.is_open else " (closed)")
            click.echo(f"{label:<48} {_amounts(line.total)}")
    click.echo(f"{'Total (zero when balanced)':<48} {_amounts(trial.totals)}")


@ledger.command("open")
@settings_options
@_command
async def ledger_open(ctx: AppContext) -> None:
    """Declare the commodities and open the default chart of accounts (idempotent)."""
    async with ctx.session() as db:
        rules = await books.ensure_open(db, now=ctx.clock.now())
        await db.commit()
    click.echo(f"The books are open, in {rules.currency}.")


@ledger.command("open-account")
@settings_options
@click.argument("name")
@click.option("--description", default="", help="What the account is for.")
@_command
async def ledger_open_account(ctx: AppContext, name: str, description: str) -> None:
    """Open the account NAME (e.g. Expenses:Travel) under its parent."""
    async with ctx.session() as db:
        await books.ensure_open(db, now=ctx.clock.now())
        await account.open_account(db, name, description=description, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Opened {name}.")


@ledger.command("close-account")
@settings_options
@click.argument("name")
@_command
async def ledger_close_account(ctx: AppContext, name: str) -> None:
    """Close the account NAME; it must be at zero in every commodity."""
    async with ctx.session() as db:
        await account.close_account(db, name, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Closed {name}.")


@ledger.command("record")
@settings_options
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--by", "who", help="The treasurer or admin recording (id, email or username).")
@_command
async def ledger_record(ctx: AppContext, file: TextIO, who: str | None) -> None:
    """Record the transaction(s) in FILE: a JSON object or a list of them, each
    {"date": "YYYY-MM-DD", "description": ..., "postings": [{"account", "commodity",
    "amount"}]}. All or nothing: one refusal records none. Signs a checkpoint after."""
    try:
        raw = json.loads(file.read())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {file.name}: {exc}") from None
    items = raw if isinstance(raw, list) else [raw]
    async with ctx.session() as db:
        by = await _by(db, who)
        await books.ensure_open(db, now=ctx.clock.now())
        recorded = []
        for n, item in enumerate(items):
            try:
                draft = drafts.from_json(item, default_day=ctx.clock.now().date())
                recorded.append(await journal.record(db, draft, by=by, now=ctx.clock.now()))
            except GovernanceError as exc:
                await db.rollback()
                if len(items) > 1:
                    exc.message = f"transaction #{n + 1} in the file: {exc.message}"
                raise
        await db.commit()
        made = await publish_checkpoint(ctx, db)
        await db.commit()
    for tx in recorded:
        click.echo(f"Recorded transaction {tx.seq}: {tx.description}")
    if made is not None:
        click.echo(f"Signed checkpoint: size {made.size}, root {made.root}")


@ledger.command("reverse")
@settings_options
@click.argument("seq", type=int)
@click.option("--by", "who", help="The treasurer or admin recording (id, email or username).")
@_command
async def ledger_reverse(ctx: AppContext, seq: int, who: str | None) -> None:
    """Record the reversal of transaction SEQ (the books never change an entry)."""
    async with ctx.session() as db:
        tx = await journal.reverse(db, seq, by=await _by(db, who), now=ctx.clock.now())
        await db.commit()
        await publish_checkpoint(ctx, db)
        await db.commit()
    click.echo(f"Recorded transaction {tx.seq}, reversing {seq}.")


@ledger.command("close-period")
@settings_options
@click.argument("end", type=click.DateTime(["%Y-%m-%d"]))
@_command
async def ledger_close_period(ctx: AppContext, end: Any) -> None:
    """Close the period ending END (inclusive): first the closing entry moves every income and
    expense balance to Equity:RetainedEarnings (printed), then every balance is sealed into the
    log; nothing may be dated on or before END afterwards."""
    async with ctx.session() as db:
        tx = await period.close(db, end.date(), by=None, now=ctx.clock.now())
        closing = await period.result_of(db, end.date())
        lines = [] if closing is None else (await journal.postings_of(db, [closing.id]))[closing.id]
        await db.commit()
        await publish_checkpoint(ctx, db)
        await db.commit()
    if closing is None:
        click.echo("No income or expense to move to retained earnings.")
    else:
        click.echo(f"Closing entry, transaction {closing.seq} ({closing.date}): "
                   f"{closing.description}")
        for line in lines:
            click.echo(f"  {line.account}  {plain(line.amount)} {line.commodity}")
    click.echo(f"Period closed up to {end:%Y-%m-%d} (transaction {tx.seq}).")


@ledger.command("checkpoint")
@settings_options
@_command
async def ledger_checkpoint(ctx: AppContext) -> None:
    """Sign a checkpoint of the log now (the worker does it after each write batch)."""
    async with ctx.session() as db:
        made = await publish_checkpoint(ctx, db)
        await db.commit()
    if made is None:
        click.echo("The latest checkpoint already covers the whole log.")
    else:
        click.echo(f"Signed checkpoint: size {made.size}, root {made.root}")


@ledger.command("verify")
@settings_options
@_command
async def ledger_verify(ctx: AppContext) -> None:
    """Recompute every leaf, balance and checkpoint from the database; exit 1 naming the
    first bad transaction."""
    async with ctx.session() as db:
        report = await verify_books(db)
    if report.problem is not None:
        where = (
            "" if report.problem.seq is None else f" (first bad transaction: {report.problem.seq})"
        )
        raise click.ClickException(f"verification failed{where}: {report.problem.message}")
    click.echo(
        f"OK: {report.size} transactions, {report.checkpoints} checkpoints "
        f"({report.signed_checkpoints} signatures valid); totals {_amounts(report.totals)}."
    )


@ledger.command("export")
@settings_options
@click.option(
    "--format", "fmt", type=click.Choice(export.FORMATS), default="beancount", show_default=True
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="Write to this file instead of standard output.",
)
@_command
async def ledger_export(ctx: AppContext, fmt: str, output: TextIO) -> None:
    """Export the books as CSV (one row per posting), JSON (with the log) or Beancount."""
    async with ctx.session() as db:
        text = await export.render(db, fmt)
    output.write(text)


@ledger.group("shares")
def shares_group() -> None:
    """The share register: subscribe, transfer, redeem, list."""


@shares_group.command("subscribe")
@settings_options
@click.argument("who")
@click.argument("quantity", type=int)
@_command
async def shares_subscribe(ctx: AppContext, who: str, quantity: int) -> None:
    """WHO subscribes QUANTITY shares at the bylaws' nominal price (paid into Assets:Bank)."""
    async with ctx.session() as db:
        rules = await books.ensure_open(db, now=ctx.clock.now())
        holder = await members.find(db, who)
        op = await shares.subscribe(db, holder.id, quantity, rules, by=None, now=ctx.clock.now())
        await db.commit()
        await publish_checkpoint(ctx, db)
        await db.commit()
    click.echo(f"Operation {op.number}: {holder.username} subscribed {quantity} share(s).")


@shares_group.command("transfer")
@settings_options
@click.argument("giver")
@click.argument("taker")
@click.argument("quantity", type=int)
@_command
async def shares_transfer(ctx: AppContext, giver: str, taker: str, quantity: int) -> None:
    """Transfer QUANTITY shares from GIVER to TAKER (if the bylaws allow transfers)."""
    async with ctx.session() as db:
        rules = await books.ensure_open(db, now=ctx.clock.now())
        a, b = await members.find(db, giver), await members.find(db, taker)
        op = await shares.transfer(db, a.id, b.id, quantity, rules, by=None, now=ctx.clock.now())
        await db.commit()
        await publish_checkpoint(ctx, db)
        await db.commit()
    click.echo(f"Operation {op.number}: {quantity} share(s) from {a.username} to {b.username}.")


@shares_group.command("redeem")
@settings_options
@click.argument("who")
@click.argument("quantity", type=int)
@_command
async def shares_redeem(ctx: AppContext, who: str, quantity: int) -> None:
    """Redeem QUANTITY of WHO's shares at nominal value (paid from Assets:Bank)."""
    async with ctx.session() as db:
        rules = await books.ensure_open(db, now=ctx.clock.now())
        holder = await members.find(db, who)
        op = await shares.redeem(db, holder.id, quantity, rules, by=None, now=ctx.clock.now())
        await db.commit()
        await publish_checkpoint(ctx, db)
        await db.commit()
    click.echo(f"Operation {op.number}: {quantity} of {holder.username}'s share(s) redeemed.")


@shares_group.command("list")
@settings_options
@_command
async def shares_list(ctx: AppContext) -> None:
    """The register: every operation in order."""
    async with ctx.session() as db:
        register = await shares.register(db)
    if not register:
        click.echo("The register is empty.")
    for op in register:
        other = f" -> {op.counterparty_id}" if op.counterparty_id else ""
        click.echo(
            f"{op.number:>5}  {op.recorded_at:%Y-%m-%d}  {op.kind.value:<9} member "
            f"{op.member_id}{other}  {op.quantity} x {plain(op.unit_price)} {op.currency}"
        )
