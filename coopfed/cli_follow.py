"""``coopfed federation follow|unfollow|followers|following|approve|reject|announce``: follows
between co-ops and announcements from the command line (registered on the ``federation`` group
by ``coopfed.cli``).

What these commands send (Follow, Undo, Accept, Reject, Create{Note}) goes into the outbox; the
worker (``coopfed serve`` or ``coopfed worker``) delivers it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import click

from coopfed import federation_inbox, partners
from coopfed.cli import _admin_command, settings_options
from coopfed.context import AppContext
from federation import publishing
from federation.actor import COOP_NAME
from federation.follow import service as follows
from federation.follow.model import Follower, FollowState

__all__ = ["register"]


@asynccontextmanager
async def _federation(ctx: AppContext) -> AsyncIterator[None]:
    """The instance keys and the remote-actor fetcher, as the server has them."""
    async with ctx.session() as db:
        await ctx.keyring.load(db)
    await federation_inbox.start(ctx)
    try:
        yield
    finally:
        await federation_inbox.stop(ctx)


@click.command("follow")
@settings_options
@click.argument("target", metavar="HANDLE|URL")
@_admin_command
async def follow_command(ctx: AppContext, target: str) -> None:
    """Follow the co-op @NAME@HOST (found with WebFinger) or the actor at URL."""
    async with _federation(ctx), ctx.session() as db:
        row = await partners.follow(ctx, db, target, by=None)
    click.echo(
        f"Follow request for {row.handle or row.actor_uri} queued ({row.actor_uri}); "
        "it is delivered by the worker, and shows as accepted once the co-op answers."
    )


@click.command("unfollow")
@settings_options
@click.argument("target", metavar="HANDLE|URL")
@_admin_command
async def unfollow_command(ctx: AppContext, target: str) -> None:
    """Stop following a co-op (or withdraw the follow request)."""
    async with _federation(ctx), ctx.session() as db:
        actor_uri = await partners.find_following(db, target)
        await partners.unfollow(ctx, db, actor_uri, by=None)
    click.echo(f"No longer following {actor_uri}.")


def _follower_line(row: Follower) -> str:
    when = row.decided_at or row.created_at
    return f"{row.id:>4}  {row.state.value:<9} {when:%Y-%m-%d %H:%M}  {row.actor_uri}"


@click.command("followers")
@settings_options
@click.option("--pending", is_flag=True, help="Only follow requests waiting for approval.")
@_admin_command
async def followers_command(ctx: AppContext, pending: bool) -> None:
    """List the co-ops following this one (id, state, since, actor)."""
    state = FollowState.PENDING if pending else None
    async with ctx.session() as db:
        page = await follows.followers_page(db, COOP_NAME, state=state, size=10_000)
    if not page.items:
        click.echo("No follow requests." if pending else "No followers.")
        return
    click.echo(f"{'id':>4}  {'state':<9} {'since':<16}  actor")
    for row in page.items:
        click.echo(_follower_line(row))


@click.command("following")
@settings_options
@_admin_command
async def following_command(ctx: AppContext) -> None:
    """List the co-ops this one follows or asked to follow (state, since, handle, actor)."""
    async with ctx.session() as db:
        page = await follows.following_page(db, COOP_NAME, state=None, size=10_000)
    if not page.items:
        click.echo("This co-op follows no other co-op.")
        return
    for row in page.items:
        click.echo(
            f"{row.state.value:<9} {row.created_at:%Y-%m-%d %H:%M}  "
            f"{row.handle or '-'}  {row.actor_uri}"
        )


def _answer_command(
    name: str, step: Callable[..., Awaitable[Follower]], verb: str, done: str
) -> click.Command:
    """``approve`` or ``reject``: answer one waiting follow request."""

    @click.command(
        name, help=f"{verb} the waiting follow request FOLLOWER_ID (see `followers --pending`)."
    )
    @settings_options
    @click.argument("follower_id", type=int)
    @_admin_command
    async def command(ctx: AppContext, follower_id: int) -> None:
        async with ctx.session() as db:
            row = await step(
                db, follower_id, urls=partners.urls_of(ctx), now=ctx.clock.now(), by=None
            )
            await db.commit()
        click.echo(done.format(actor=row.actor_uri))

    return command


approve_command = _answer_command(
    "approve",
    follows.approve,
    "Approve",
    "Approved {actor}; the Accept is delivered by the worker.",
)
reject_command = _answer_command(
    "reject", follows.reject, "Reject", "Rejected {actor}; the Reject is delivered by the worker."
)


@click.command("announce")
@settings_options
@click.argument("text")
@_admin_command
async def announce_command(ctx: AppContext, text: str) -> None:
    """Publish TEXT (Markdown) as an announcement (a Note) to the co-ops following this one."""
    async with ctx.session() as db:
        published = await publishing.publish_note(
            db, text, urls=partners.urls_of(ctx), now=ctx.clock.now(), by=None
        )
        await db.commit()
    click.echo(
        f"Announcement {published.activity.payload['object']['id']} queued for "
        f"{published.inboxes} inbox(es); the worker delivers it."
    )


def register(group: click.Group) -> None:
    """Add the follow commands to ``coopfed federation``."""
    for command in (
        follow_command,
        unfollow_command,
        followers_command,
        following_command,
        approve_command,
        reject_command,
        announce_command,
    ):
        group.add_command(command)
