"""The ``coopfed`` command line: run, migrate and administer an instance."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from coopfed import bootstrap, migrate
from coopfed.auth import api_token, web_session
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings, SettingsError, load
from governance import invitation, membership_class, password_reset
from governance import member as members
from governance.errors import GovernanceError
from governance.member import Role, Status
from governance.membership_class import ClassFields

P = ParamSpec("P")
T = TypeVar("T")


def settings_options(func: Callable[P, T]) -> Callable[P, T]:
    """``--data-dir`` and ``--config`` on every command."""
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="TOML settings file (default: COOPFED_CONFIG, else DATA_DIR/coopfed.toml if present).",
    )(func)
    func = click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Where the instance keeps its files and SQLite database [env COOPFED_DATA_DIR; "
        "default ./coopfed-data].",
    )(func)
    return func


def _settings(config_file: Path | None, **overrides: Any) -> Settings:
    try:
        return load(config_file=config_file, overrides=overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except GovernanceError as exc:
        raise click.ClickException(exc.message) from None
    except migrate.SchemaOutOfDate as exc:
        raise click.ClickException(str(exc)) from None


async def _with_context(
    settings: Settings, work: Callable[[AppContext], Awaitable[T]], *, upgrade: bool = False
) -> T:
    ctx = build_context(settings)
    try:
        await bootstrap.prepare_schema(ctx, upgrade=upgrade)
        return await work(ctx)
    finally:
        await ctx.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coopfed")
def main() -> None:
    """coopfed: a self-hosted, federated governance server for tech co-operatives.

    Settings come from defaults, then a TOML file, then COOPFED_* environment variables, then
    these flags (see README.md, "Configuration").
    """


@main.command()
@settings_options
def init(data_dir: Path | None, config_file: Path | None) -> None:
    """Create the database, apply migrations, make keys; print the one-time setup link."""
    settings = _settings(config_file, data_dir=data_dir)

    async def work(ctx: AppContext) -> bootstrap.InitResult:
        return await bootstrap.initialize(ctx, upgrade=True)

    result = _run(_with_context(settings, work))
    click.echo(f"Database ready: {_safe_url(settings)}")
    if result.keys_created:
        click.echo("Instance keys created.")
    if result.setup_url:
        click.echo(f"Open this one-time link to set up your co-op:\n\n    {result.setup_url}\n")
    else:
        click.echo("This instance is already set up.")


@main.command()
@settings_options
@click.option("--host", help="Address to listen on [env COOPFED_HOST; default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [env COOPFED_PORT; default 8000].")
@click.option(
    "--worker/--no-worker",
    "run_worker",
    default=None,
    help="Run the background worker inside the server (default: on).",
)
def serve(
    data_dir: Path | None,
    config_file: Path | None,
    host: str | None,
    port: int | None,
    run_worker: bool | None,
) -> None:
    """Run the instance (web, API and, by default, the background worker).

    On SQLite an empty data dir is initialised and older schemas are migrated; on PostgreSQL
    the server refuses to start until `coopfed migrate` has been run.
    """
    import uvicorn

    from coopfed.app import create_app

    settings = _settings(
        config_file, data_dir=data_dir, host=host, port=port, run_worker=run_worker
    )

    async def run() -> None:
        ctx = build_context(settings)
        try:
            result = await bootstrap.initialize(ctx, upgrade=settings.is_sqlite)
            if result.setup_url:
                click.echo(
                    f"\nThis instance is not set up yet. Open this one-time link:\n\n"
                    f"    {result.setup_url}\n"
                )
            app = create_app(settings, context=ctx)
            config = uvicorn.Config(
                app,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                proxy_headers=True,
                lifespan="on",
            )
            click.echo(f"coopfed is serving {settings.effective_base_url}")
            await uvicorn.Server(config).serve()
        finally:
            await ctx.dispose()

    _run(run())


@main.command()
@settings_options
def worker(data_dir: Path | None, config_file: Path | None) -> None:
    """Run the background worker as its own process (for scale-out on PostgreSQL)."""
    from coopfed.worker import Worker

    settings = _settings(config_file, data_dir=data_dir)

    async def work(ctx: AppContext) -> None:
        stop = asyncio.Event()
        click.echo("coopfed worker running; Ctrl-C to stop.")
        await Worker(ctx).run_forever(stop)

    try:
        _run(_with_context(settings, work))
    except KeyboardInterrupt:
        pass


@main.command(name="migrate")
@settings_options
def migrate_command(data_dir: Path | None, config_file: Path | None) -> None:
    """Apply every pending schema migration."""
    settings = _settings(config_file, data_dir=data_dir)

    async def work(ctx: AppContext) -> tuple[str | None, str | None]:
        before = await migrate.current_revision(ctx.engine)
        await migrate.upgrade(ctx.engine)
        return before, await migrate.current_revision(ctx.engine)

    before, after = _run(_migrate(settings, work))
    if before == after:
        click.echo(f"The schema is up to date (revision {after}).")
    else:
        click.echo(f"Migrated the schema from {before or 'empty'} to {after}.")


async def _migrate(
    settings: Settings, work: Callable[[AppContext], Awaitable[tuple[str | None, str | None]]]
) -> tuple[str | None, str | None]:
    ctx = build_context(settings)
    try:
        return await work(ctx)
    finally:
        await ctx.dispose()


def _safe_url(settings: Settings) -> str:
    url = settings.effective_database_url
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


# --- members -------------------------------------------------------------------------------


@main.group()
def member() -> None:
    """Manage members (invite, list, roles, classes, status, reset links)."""


def _admin_command(func: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async admin action with a context and its own transaction."""

    @functools.wraps(func)
    def wrapper(data_dir: Path | None, config_file: Path | None, **kwargs: Any) -> None:
        settings = _settings(config_file, data_dir=data_dir)

        async def work(ctx: AppContext) -> None:
            await func(ctx, **kwargs)

        _run(_with_context(settings, work))

    return wrapper


@member.command("invite")
@settings_options
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The invitee's display name.")
@click.option("--class", "class_slug", help="Membership class (its short name).")
@click.option("--language", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@_admin_command
async def member_invite(
    ctx: AppContext, email: str, display_name: str, class_slug: str | None, language: str
) -> None:
    """Invite EMAIL and print the one-time invitation link."""
    async with ctx.session() as db:
        class_id = (await membership_class.by_slug(db, class_slug)).id if class_slug else None
        issued = await invitation.invite(
            db,
            email=email,
            display_name=display_name,
            class_id=class_id,
            language=language,
            by=None,
            now=ctx.clock.now(),
        )
        await db.commit()
    click.echo(
        f"Invitation for {issued.member.email} (valid until "
        f"{issued.invitation.expires_at:%Y-%m-%d %H:%M} UTC):"
    )
    click.echo(f"{ctx.settings.effective_base_url}/invite/{issued.secret}")


@member.command("list")
@settings_options
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only this status.")
@_admin_command
async def member_list(ctx: AppContext, status: str | None) -> None:
    """List members: id, username, email, status, role, class."""
    async with ctx.session() as db:
        classes = {c.id: c.slug for c in await membership_class.list_all(db)}
        found = await members.list_all(db, status=Status(status) if status else None)
    if not found:
        click.echo("No members.")
        return
    click.echo(f"{'id':>4}  {'username':<16} {'email':<32} {'status':<10} {'role':<7} class")
    for m in found:
        click.echo(
            f"{m.id:>4}  {m.username:<16} {m.email:<32} {m.status.value:<10} {m.role.value:<7} "
            f"{classes.get(m.class_id, '-') if m.class_id else '-'}"
        )


@member.command("set-role")
@settings_options
@click.argument("who")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@_admin_command
async def member_set_role(ctx: AppContext, who: str, role: str) -> None:
    """Give WHO (id, email or username) the ROLE member or admin."""
    async with ctx.session() as db:
        target = await members.find(db, who)
        await members.set_role(db, target, Role(role), by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"{target.username} is now {role}.")


@member.command("set-class")
@settings_options
@click.argument("who")
@click.argument("class_slug", metavar="CLASS")
@_admin_command
async def member_set_class(ctx: AppContext, who: str, class_slug: str) -> None:
    """Put WHO in membership CLASS (its short name, or 'none')."""
    async with ctx.session() as db:
        target = await members.find(db, who)
        class_id = None
        if class_slug != "none":
            class_id = (await membership_class.by_slug(db, class_slug)).id
        await membership_class.assign(db, target, class_id, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"{target.username} is now in class {class_slug}.")


@member.command("set-status")
@settings_options
@click.argument("who")
@click.argument("status", type=click.Choice(["member", "suspended", "left"]))
@_admin_command
async def member_set_status(ctx: AppContext, who: str, status: str) -> None:
    """Admit (member), suspend or record the departure (left) of WHO."""
    async with ctx.session() as db:
        target = await members.find(db, who)
        await members.set_status(db, target, Status(status), by=None, now=ctx.clock.now())
        if target.status is not Status.MEMBER:
            await web_session.close_all(db, target.id)
        await db.commit()
    click.echo(f"{target.username} is now {status}.")


@member.command("reset-link")
@settings_options
@click.argument("who")
@_admin_command
async def member_reset_link(ctx: AppContext, who: str) -> None:
    """Print a one-time password-reset link for WHO."""
    async with ctx.session() as db:
        target = await members.find(db, who)
        issued = await password_reset.issue(db, target, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"{ctx.settings.effective_base_url}/reset/{issued.secret}")


# --- membership classes --------------------------------------------------------------------


@main.group(name="class")
def class_group() -> None:
    """Manage membership classes."""


@class_group.command("list")
@settings_options
@_admin_command
async def class_list(ctx: AppContext) -> None:
    """List membership classes."""
    async with ctx.session() as db:
        found = await membership_class.list_all(db)
    if not found:
        click.echo("No membership classes.")
    for c in found:
        cap = "-" if c.weight_cap is None else str(c.weight_cap)
        click.echo(f"{c.slug:<16} weight {c.vote_weight!s:<8} cap {cap:<6} {c.name}")


@class_group.command("create")
@settings_options
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--weight", "vote_weight", default="1", show_default=True)
@click.option("--cap", "weight_cap", default=None, help="Cap on the class's share, 0 to 1.")
@_admin_command
async def class_create(
    ctx: AppContext, slug: str, name: str, vote_weight: str, weight_cap: str | None
) -> None:
    """Create membership class SLUG."""
    fields = ClassFields.parse(slug=slug, name=name, vote_weight=vote_weight, weight_cap=weight_cap)
    async with ctx.session() as db:
        await membership_class.create(db, fields, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Created class {fields.slug}.")


# --- tokens --------------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Personal access tokens for the API."""


@token.command("create")
@settings_options
@click.argument("who")
@click.option("--name", required=True, help="What the token is for.")
@_admin_command
async def token_create(ctx: AppContext, who: str, name: str) -> None:
    """Create an API token for WHO and print it (shown once)."""
    async with ctx.session() as db:
        target = await members.find(db, who)
        issued = await api_token.create(db, target, name=name, now=ctx.clock.now())
        await db.commit()
    click.echo(issued.secret)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
