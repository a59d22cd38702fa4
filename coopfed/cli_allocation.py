"""``coopfed ledger allocation …``: preview and propose the year's surplus allocation.

The members' figures come from a CSV file, one line per member: ``member,hours,pay`` and
optionally ``capital`` (member: an id, a username or an email; semicolons or tabs with decimal
commas work too). A refusal exits 1 with its code (``allocation_no_surplus`` …).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TextIO

import click
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.cli import settings_options
from coopfed.cli_ledger import _command
from coopfed.context import AppContext
from governance import member as members
from governance.ledger.allocation import AllocationPreview
from governance.ledger.surplus import figures
from governance.ledger.surplus import service as surplus
from governance.ledger.surplus.inputs import AllocationInputs, check_year, parse_amount


def _money(value: Decimal) -> str:
    return format(value, "f")  # with the currency's decimals: 1500.00


@click.group("allocation")
def allocation() -> None:
    """Allocate the year's surplus by the bylaws' policy: preview it, then propose it."""


def _figures_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        (
            click.option("--year", "year", type=int, required=True, help="The fiscal year."),
            click.option("--surplus", "amount", required=True, help="The surplus, e.g. 10000.00"),
            click.option(
                "--hours-file",
                "file",
                type=click.File("r", encoding="utf-8"),
                required=True,
                help="CSV: member,hours,pay[,capital] per line (capital: default from books).",
            ),
        )
    ):
        func = option(func)
    return func


async def _inputs(
    ctx: AppContext, db: AsyncSession, year: int, amount: str, file: TextIO
) -> AllocationInputs:
    lines = figures.parse_lines(file.read())
    return await surplus.prepare(
        db,
        fiscal_year=check_year(year),
        surplus=parse_amount(amount, "surplus"),
        members=await figures.resolve(db, lines),
        now=ctx.clock.now(),
    )


def _print(preview: AllocationPreview, names: dict[int, str], currency: str) -> None:
    totals = preview.totals
    for label, value in (
        ("Surplus", totals.surplus),
        ("Legal reserve", totals.legal_reserve),
        ("Indivisible reserve", totals.indivisible_reserve),
        ("Interest on capital", totals.interest),
        ("Members' share", totals.patronage),
        ("Paid in cash", totals.cash),
        ("Credited to capital accounts", totals.credit),
    ):
        click.echo(f"{label:<30} {_money(value):>14} {currency}")
    click.echo(f"Interest limited by: {preview.interest_limit.value}")
    click.echo(f"{'member':<24} {'interest':>12} {'patronage':>12} {'cash':>12} {'credit':>12}")
    for row in preview.rows:
        name = names.get(row.member_id, str(row.member_id))[:24]
        click.echo(
            f"{name:<24} {_money(row.interest):>12} {_money(row.patronage):>12} "
            f"{_money(row.cash):>12} {_money(row.credit):>12}"
        )


@allocation.command("preview")
@settings_options
@_figures_options
@click.option("--json", "as_json", is_flag=True, help="Print the preview as JSON.")
@_command
async def allocation_preview(
    ctx: AppContext, year: int, amount: str, file: TextIO, as_json: bool
) -> None:
    """Show how the bylaws' policy splits the surplus; nothing is stored."""
    async with ctx.session() as db:
        inputs = await _inputs(ctx, db, year, amount, file)
        names = {m.id: m.username for m in await members.list_all(db)}
        await db.rollback()
    preview = inputs.allocate().preview()
    if as_json:
        click.echo(json.dumps(preview.to_json(), indent=2))
    else:
        _print(preview, names, inputs.commodity)


@allocation.command("propose")
@settings_options
@_figures_options
@click.option("--by", "who", required=True, help="The treasurer or admin proposing it.")
@click.option("--title", default="", help='Default: "Surplus allocation <year>".')
@click.option("--body", default="", help="An explanation for the members (Markdown).")
@_command
async def allocation_propose(
    ctx: AppContext, year: int, amount: str, file: TextIO, who: str, title: str, body: str
) -> None:
    """Draft a proposal of the bylaws' allocation kind with these figures frozen; it is
    posted to the books when it passes. Schedule it like any proposal."""
    async with ctx.session() as db:
        author = await members.find(db, who)
        inputs = await _inputs(ctx, db, year, amount, file)
        proposal = await surplus.propose(db, author, inputs, title=title, body=body,
                                         now=ctx.clock.now())
        await db.commit()
    total = inputs.allocate().surplus
    click.echo(
        f"Proposal {proposal.id} drafted: {proposal.title} ({_money(total)} {inputs.commodity}, "
        f"{len(inputs.members)} members). Schedule its vote on its page, /proposals/"
        f"{proposal.id}, or with the API."
    )

