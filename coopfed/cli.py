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

    # upgrade=True here too: init creates the schema on an empty PostgreSQL database as well.
    result = _run(_with_context(settings, work, upgrade=True))
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


# --- proposals -----------------------------------------------------------------------------
# Imports are local to these commands so that this section stands on its own.

PROPOSAL_STATUSES = ("draft", "scheduled", "open", "closed", "withdrawn")


@main.group()
def proposal() -> None:
    """Follow proposals, and run their clock (open, remind, close) by hand."""


def _when(moment: Any) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


@proposal.command("list")
@settings_options
@click.option(
    "--status",
    type=click.Choice(PROPOSAL_STATUSES),
    help="Only these (closed: passed, rejected or without quorum).",
)
@_admin_command
async def proposal_list(ctx: AppContext, status: str | None) -> None:
    """List proposals, newest first: id, status, kind, closing time, title."""
    from governance.proposal import service

    async with ctx.session() as db:
        found = await service.listing(db, set(service.STATUS_FILTERS[status]) if status else None)
    if not found:
        click.echo("No proposals.")
        return
    click.echo(f"{'id':>4}  {'status':<10} {'kind':<18} {'closes (UTC)':<17} title")
    for p in found:
        closes = f"{p.closes_at:%Y-%m-%d %H:%M}" if p.closes_at else "-"
        click.echo(f"{p.id:>4}  {p.status.value:<10} {p.kind:<18} {closes:<17} {p.title}")


@proposal.command("show")
@settings_options
@click.argument("proposal_id", metavar="ID", type=int)
@_admin_command
async def proposal_show(ctx: AppContext, proposal_id: int) -> None:
    """Show proposal ID: rules, times, status, turnout, and the result once closed."""
    from governance.ballot import query as ballot_query
    from governance.proposal import service

    async with ctx.session() as db:
        found = await service.get(db, proposal_id)
        options = await service.options_of(db, found.id)
        turnout = await ballot_query.turnout(db, found)
        author = await db.get(members.Member, found.author_id) if found.author_id else None
    rules = found.rules
    voters = ", ".join(rules.get("eligible_classes") or []) or "every member"
    proxies = (
        f"up to {rules.get('max_proxies_per_holder')} per holder"
        if rules.get("proxies_allowed")
        else "none"
    )
    lines = [
        ("kind", f"{found.kind} ({rules.get('label', found.kind)})"),
        ("status", found.status.value),
        ("author", f"{author.username} (id {author.id})" if author else "-"),
        ("created", _when(found.created_at)),
        ("opens", _when(found.opens_at)),
        ("closes", _when(found.closes_at)),
        ("opened", _when(found.opened_at)),
        ("closed", _when(found.closed_at)),
        ("method", str(rules.get("method"))),
        ("quorum", str(rules.get("quorum"))),
        ("threshold", f"{rules.get('comparison', 'more_than')} {rules.get('threshold')}"),
        ("ballots", "secret" if rules.get("secret") else "roll-call"),
        ("voters", voters),
        ("proxies", proxies),
        ("effect", str(rules.get("effect"))),
    ]
    if options:
        lines.append(("options", "; ".join(f"{o.key} {o.label}" for o in options)))
    if turnout is not None:
        lines.append(
            ("turnout", f"{turnout.voted} of {turnout.electorate} voters ({turnout.share})")
        )
    result = found.result
    if result is not None:
        totals = ", ".join(f"{key} {value}" for key, value in result["totals"].items())
        lines.append(("result", f"{result['outcome']}: {totals}"))
        lines.append(
            (
                "counted",
                f"{result['ballot_count']} ballots, weighted turnout {result['turnout']}, "
                f"quorum {'reached' if result['quorum_reached'] else 'not reached'}",
            )
        )
        if result["winners"]:
            lines.append(("winners", ", ".join(result["winners"])))
        if result["blocks"]:
            lines.append(("blocks", str(result["blocks"])))
    if found.outcome_statement:
        lines.append(("outcome", found.outcome_statement))
    click.echo(f"Proposal {found.id}: {found.title}")
    for label, value in lines:
        click.echo(f"  {label:<10} {value}")


@proposal.command("close-due")
@settings_options
@_admin_command
async def proposal_close_due(ctx: AppContext) -> None:
    """Open, remind and close the proposals that are due now (the worker's step, once)."""
    from governance.proposal import lifecycle, service

    now = ctx.clock.now()
    said: list[str] = []
    # Three transactions, as the worker does: a failing close does not undo the openings.
    async with ctx.session() as db:
        for opened in await lifecycle.open_due(db, now=now):
            found = await service.get(db, opened.proposal_id)
            said.append(f"Opened proposal {found.id}: {found.title}")
        await db.commit()
    async with ctx.session() as db:
        reminded = await lifecycle.remind_closing(db, now=now)
        await db.commit()
    if reminded:
        said.append(f"Sent {reminded} closing reminder(s).")
    from coopfed.worker import instance_signer

    async with ctx.session() as db:
        signer = await instance_signer(ctx, db)
        for closed in await lifecycle.close_due(db, now=now, signer=signer):
            found = await service.get(db, closed.proposal_id)
            said.append(f"Closed proposal {found.id}: {found.title} ({closed.status.value})")
        await db.commit()
    click.echo("\n".join(said) if said else "Nothing was due.")


# --- keys ----------------------------------------------------------------------------------
# Imports are local to these commands so that this section stands on its own.


@main.group(name="keys")
def keys_group() -> None:
    """The signing keys of the co-op and its members."""


async def _local_actor(db: Any, who: str | None) -> Any:
    """The co-op's actor, or WHO's if they are an admitted member."""
    from federation import actor as actors

    name = actors.COOP_NAME
    if who is not None:
        target = await members.find(db, who)
        if target.status is not Status.MEMBER:
            raise click.ClickException(
                f"{target.username} is {target.status.value}, not an admitted member: only "
                "members have published keys."
            )
        name = target.username
    _found, local = await actors.lookup(db, name)
    if local is None:  # pragma: no cover - checked above
        raise click.ClickException(f"no actor named {name}")
    return local


@keys_group.command("rotate")
@settings_options
@click.option("--member", "who", help="Rotate this member's keys (id, email or username).")
@_admin_command
async def keys_rotate(ctx: AppContext, who: str | None) -> None:
    """Make new keys for the co-op (or a member), keep the old ones as retired, and queue
    an actor Update that tells federated servers about the new keys.

    Running servers publish and sign with the new keys from the next request for that actor;
    no restart is needed.
    """
    from federation import rotation
    from federation.actor import LocalUrls

    urls = LocalUrls.of(ctx.settings.effective_base_url)
    async with ctx.session() as db:
        local = await _local_actor(db, who)
        done = await rotation.rotate(db, urls, local, now=ctx.clock.now())
        shown = await rotation.describe(db, urls, local)
        await db.commit()
    click.echo(f"New keys for {urls.actor(local.name)}:")
    for key in shown:
        if key.retired_at is None:
            click.echo(f"  {key.key_id}  {key.key_type.value:<8}  {key.fingerprint}")
    click.echo(
        f"Retired {len(done.retired_key_ids)} earlier key(s); they are kept to check old "
        "signatures."
    )
    click.echo(f"Queued {done.activity.activity_id} (Update) for delivery to followers.")


@keys_group.command("show")
@settings_options
@click.option("--member", "who", help="Show this member's keys (id, email or username).")
@_admin_command
async def keys_show(ctx: AppContext, who: str | None) -> None:
    """Print the key ids and SHA-256 fingerprints of the co-op's (or a member's) keys."""
    from federation import rotation
    from federation.actor import LocalUrls

    urls = LocalUrls.of(ctx.settings.effective_base_url)
    async with ctx.session() as db:
        local = await _local_actor(db, who)
        shown = await rotation.describe(db, urls, local)
    click.echo(f"Keys of {urls.actor(local.name)}:")
    if not shown:
        click.echo("  none yet (they are made the first time the actor is fetched)")
    for key in shown:
        state = "current" if key.retired_at is None else f"retired {key.retired_at:%Y-%m-%d %H:%M}"
        click.echo(
            f"  {key.key_id}  {key.key_type.value:<8}  {key.fingerprint}  "
            f"created {key.created_at:%Y-%m-%d %H:%M}  {state}"
        )


# --- federation policy ---------------------------------------------------------------------


@main.group(name="federation")
def federation_group() -> None:
    """Which hosts this co-op federates with (block list, allow-list mode), and follows
    between co-ops (follow, unfollow, followers, following, approve, reject, announce), and the
    outgoing delivery queue (deliveries, retry).

    A rule on a host covers its subdomains. Running servers apply a change within a few
    seconds; no restart is needed.
    """


@federation_group.command("block")
@settings_options
@click.argument("host")
@click.option("--note", default="", help="Why (shown to admins).")
@_admin_command
async def federation_block(ctx: AppContext, host: str, note: str) -> None:
    """Refuse everything from HOST and never contact it (in either mode)."""
    async with ctx.session() as db:
        row = await ctx.policy.block(db, host, note=note, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Blocked {row.host} (and its subdomains).")


@federation_group.command("unblock")
@settings_options
@click.argument("host")
@_admin_command
async def federation_unblock(ctx: AppContext, host: str) -> None:
    """Remove HOST from the block list."""
    async with ctx.session() as db:
        removed = await ctx.policy.unblock(db, host, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Unblocked {removed}.")


@federation_group.command("allow")
@settings_options
@click.argument("host")
@click.option("--note", default="", help="Why (shown to admins).")
@_admin_command
async def federation_allow(ctx: AppContext, host: str, note: str) -> None:
    """Add HOST to the allow list (used in allow-list mode)."""
    from federation.models import FederationMode
    from federation.policy import load_config

    async with ctx.session() as db:
        row = await ctx.policy.allow(db, host, note=note, by=None, now=ctx.clock.now())
        await db.commit()
        config = await load_config(db)
    click.echo(f"Allowed {row.host} (and its subdomains).")
    if config is None or config.mode is not FederationMode.ALLOWLIST:
        click.echo("The allow list applies once you run: coopfed federation mode allowlist")


@federation_group.command("disallow")
@settings_options
@click.argument("host")
@_admin_command
async def federation_disallow(ctx: AppContext, host: str) -> None:
    """Remove HOST from the allow list."""
    async with ctx.session() as db:
        removed = await ctx.policy.disallow(db, host, by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Removed {removed} from the allow list.")


@federation_group.command("mode")
@settings_options
@click.argument("mode", type=click.Choice(["open", "allowlist"]))
@_admin_command
async def federation_mode(ctx: AppContext, mode: str) -> None:
    """Federate with every host not blocked (open), or only with allowed hosts (allowlist)."""
    from federation.models import FederationMode

    async with ctx.session() as db:
        await ctx.policy.set_mode(db, FederationMode(mode), by=None, now=ctx.clock.now())
        await db.commit()
    click.echo(f"Federation mode: {mode}.")


@federation_group.command("list")
@settings_options
@_admin_command
async def federation_list(ctx: AppContext) -> None:
    """Print the mode, the signed-fetch switch, and the blocked and allowed hosts."""
    from federation.policy import list_rules, load_config, rules_by_kind

    async with ctx.session() as db:
        config = await load_config(db)
        blocked, allowed = rules_by_kind(await list_rules(db))
    click.echo(f"mode: {config.mode.value if config else 'open'}")
    click.echo(f"require signed fetch: {'yes' if config and config.require_signed_fetch else 'no'}")
    for title, rows in (("blocked", blocked), ("allowed", allowed)):
        click.echo(f"{title}:{'' if rows else ' none'}")
        for row in rows:
            note = f"  {row.note}" if row.note else ""
            click.echo(f"  {row.host:<40} {row.created_at:%Y-%m-%d %H:%M}{note}")


# --- verify-tally (coopfed/cli_verify_tally.py) -------------------------------------------

from coopfed.cli_verify_tally import verify_tally_command  # noqa: E402

main.add_command(verify_tally_command)


from coopfed.cli_follow import register as _register_follow  # noqa: E402 (uses the above)

_register_follow(federation_group)


from coopfed.cli_delivery import register as _register_delivery  # noqa: E402

_register_delivery(federation_group)


from coopfed.cli_ledger import ledger  # noqa: E402 (it uses the helpers above)

main.add_command(ledger)

from coopfed.cli_allocation import allocation  # noqa: E402 (it uses cli_ledger's helpers)

ledger.add_command(allocation)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
