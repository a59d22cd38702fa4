"""``coopfed federation deliveries`` and ``coopfed federation retry``: the outgoing delivery
queue from the command line (registered on the ``federation`` group by ``coopfed.cli``).

The worker (``coopfed serve`` or ``coopfed worker``) does the sending; these commands show
the queue's state and make deliveries due now.
"""

from __future__ import annotations

import click

from coopfed.cli import _admin_command, settings_options
from coopfed.context import AppContext
from federation.delivery import admin

__all__ = ["register"]

SHOWN = 20


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "-"


@click.command("deliveries")
@settings_options
@click.option("--host", default=None, help="Show this host's latest deliveries too.")
@click.option(
    "--status",
    type=click.Choice(["pending", "delivered", "failed", "cancelled"]),
    default=None,
    help="With --host: only deliveries in this state.",
)
@_admin_command
async def deliveries(ctx: AppContext, host: str | None, status: str | None) -> None:
    """Print outgoing deliveries per remote host: pending, delivered, failed, paused, and
    the last error; with --host, that host's latest deliveries."""
    now = ctx.clock.now()
    wanted = host.strip().lower() if host else None
    async with ctx.session() as db:
        summaries = await admin.host_summaries(db, wanted)
        views = (
            await admin.recent(db, host=wanted, status=admin.parse_status(status), limit=SHOWN)
            if wanted
            else []
        )
    if not summaries:
        click.echo(f"No delivery has gone to {wanted}." if wanted else "No deliveries yet.")
        return
    for s in summaries:
        if s.paused(now):
            state = f"paused until {_when(s.paused_until)}"
        elif s.consecutive_failures:
            state = f"{s.consecutive_failures} failures in a row"
        else:
            state = "working"
        click.echo(
            f"{s.host}  pending {s.pending}  delivered {s.delivered}  failed {s.failed}  "
            f"cancelled {s.cancelled}  {state}  scheme {s.signature_scheme or '-'}"
        )
        if s.last_error:
            click.echo(f"    last error ({_when(s.last_failure_at)}): {s.last_error}")
    for view in views:
        d = view.delivery
        click.echo(
            f"  #{d.id}  {d.status.value:<9}  attempts {d.attempts}  "
            f"next {_when(d.next_attempt_at) if d.status.value == 'pending' else '-'}  "
            f"{view.activity_type} -> {d.inbox_url}"
        )
        if d.last_error:
            click.echo(f"      {d.last_error}")


@click.command("retry")
@settings_options
@click.argument("target", metavar="HOST|ID")
@_admin_command
async def retry(ctx: AppContext, target: str) -> None:
    """Make deliveries due now: one delivery by its number, or every pending and failed
    delivery to HOST (which is also unpaused). A failed delivery gets a fresh three-day
    retry window. The worker sends them at its next round."""
    now = ctx.clock.now()
    async with ctx.session() as db:
        if target.strip().lstrip("#").isdigit():
            row = await admin.retry_delivery(db, int(target.strip().lstrip("#")), now=now, by=None)
            await db.commit()
            click.echo(f"Delivery #{row.id} to {row.inbox_url} is due now.")
            return
        count = await admin.retry_host(db, target, now=now, by=None)
        await db.commit()
    click.echo(f"{target.strip().lower()}: unpaused, {count} deliveries due now.")


def register(group: click.Group) -> None:
    group.add_command(deliveries)
    group.add_command(retry)
