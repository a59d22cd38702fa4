"""The ``coopfed`` command line, driven in-process with click's ``CliRunner``.

The commands call ``asyncio.run`` themselves, so these tests are plain (sync) functions. They run
on SQLite in ``tmp_path`` or, when ``COOPFED_TEST_DATABASE_URL`` is set, on the test's own
PostgreSQL database (passed as ``COOPFED_DATABASE_URL``).
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import pytest
from click.testing import CliRunner, Result
from httpx import ASGITransport, AsyncClient

from coopfed import migrate
from coopfed.app import create_app
from coopfed.cli import main
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from governance import instance, invitation, membership_class, password_reset
from governance import member as members
from governance.errors import NotFound
from governance.member import Member, Role, Status
from tests import pg
from tests.conftest import PG_URL
from tests.integration.api.conftest import PASSWORD, make_member

T = TypeVar("T")
LINK_RE = re.compile(r"http://localhost:8000(/\S+)")


@dataclass
class Cli:
    """Runs ``coopfed`` against one test database and reaches that database directly."""

    data_dir: Path
    database_url: str

    def env(self) -> dict[str, str | None]:
        # Only the settings the test chooses: no COOPFED_* leaking in from the shell
        # (COOPFED_TEST_DATABASE_URL itself would be refused as an unknown setting).
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COOPFED_")}
        if self.database_url:
            env["COOPFED_DATABASE_URL"] = self.database_url
        return env

    def invoke(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            main, [*args, "--data-dir", str(self.data_dir)], env={**self.env(), **(env or {})},
            catch_exceptions=False,
        )

    def ok(self, *args: str) -> str:
        result = self.invoke(*args)
        assert result.exit_code == 0, (result.output, result.stderr)
        return result.stdout

    def fails(self, *args: str) -> str:
        """Runs a command that must be refused; returns its error message."""
        result = self.invoke(*args)
        assert result.exit_code == 1, (result.exit_code, result.output)
        assert result.stderr.startswith("Error: "), result.stderr
        assert "Traceback" not in result.output
        return result.stderr

    @property
    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir, database_url=self.database_url, fast_password_hashing=True
        )

    def db(self, work: Callable[[AppContext], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` with a context on the same database the commands use."""

        async def run() -> T:
            ctx = build_context(self.settings)
            try:
                return await work(ctx)
            finally:
                await ctx.dispose()

        return asyncio.run(run())

    def member(self, ref: str) -> Member:
        async def find(ctx: AppContext) -> Member:
            async with ctx.session() as db:
                return await members.find(db, ref)

        return self.db(find)

    def make_member(self, **kwargs: Any) -> Member:
        async def make(ctx: AppContext) -> Member:
            return await make_member(ctx, **kwargs)

        return self.db(make)


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    """A migrated database (a copy of the template) with no instance row yet."""
    return Cli(tmp_path, database_url)


@pytest.fixture
def empty_cli(tmp_path: Path) -> Iterator[Cli]:
    """A database with nothing in it, not even the schema."""
    if PG_URL:
        name = f"coopfed_cli_{uuid.uuid4().hex[:12]}"
        asyncio.run(pg.create_database(PG_URL, name))
        yield Cli(tmp_path / "empty", pg.with_database(PG_URL, name))
        asyncio.run(pg.drop_database(PG_URL, name))
    else:
        yield Cli(tmp_path / "empty", "")


@pytest.fixture
def admin(cli: Cli) -> Member:
    return cli.make_member(
        role=Role.ADMIN, email="ada@example.org", username="ada", display_name="Ada"
    )


def link_in(output: str) -> str:
    found = LINK_RE.search(output)
    assert found, output
    return found.group(1)


# --- help ----------------------------------------------------------------------------------


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found.extend(_command_paths(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


COMMAND_PATHS = _command_paths(main)


# The instance commands: each reads the settings, so each takes --data-dir and --config.
INSTANCE_COMMANDS = {
    "init", "serve", "worker", "migrate", "member invite", "member list", "member set-role",
    "member set-class", "member set-status", "member reset-link", "class list",
    "class create", "token create",
}


def test_command_walk__finds_the_instance_commands() -> None:
    assert INSTANCE_COMMANDS <= {" ".join(p) for p in COMMAND_PATHS}


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "coopfed")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help__every_command_explains_itself(path: tuple[str, ...], flag: str) -> None:
    result = CliRunner().invoke(main, [*path, flag], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert (command.help or "").strip(), "every command says what it does"
    if " ".join(path) in INSTANCE_COMMANDS:
        assert "--data-dir" in result.output and "--config" in result.output


def test_version__is_printed() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "version" in result.output


# --- init and migrate ----------------------------------------------------------------------


def test_init__prints_a_one_time_setup_link(empty_cli: Cli) -> None:
    out = empty_cli.ok("init")
    assert "Database ready: " in out
    assert "Instance keys created." in out
    path = link_in(out)
    assert path.startswith("/setup?token=")

    async def check(ctx: AppContext) -> bool:
        async with ctx.session() as db:
            inst = await instance.check_setup_token(
                db, path.split("token=")[1], now=ctx.clock.now()
            )
            return inst.is_set_up

    assert empty_cli.db(check) is False


def test_init__again_before_setup_prints_a_new_link_and_the_old_one_stops_working(
    cli: Cli,
) -> None:
    first = link_in(cli.ok("init")).split("token=")[1]
    second_out = cli.ok("init")
    assert "Instance keys created." not in second_out
    second = link_in(second_out).split("token=")[1]
    assert first != second

    async def check(ctx: AppContext) -> str:
        async with ctx.session() as db:
            await instance.check_setup_token(db, second, now=ctx.clock.now())
            with pytest.raises(NotFound) as caught:
                await instance.check_setup_token(db, first, now=ctx.clock.now())
            return caught.value.code

    assert cli.db(check) == "setup_token_invalid"


def test_init__on_a_set_up_instance_says_so(cli: Cli) -> None:
    secret = link_in(cli.ok("init")).split("token=")[1]

    async def set_up(ctx: AppContext) -> None:
        async with ctx.session() as db:
            await instance.complete_setup(
                db, secret,
                instance.SetupForm(
                    coop_name="Tech Co-op", email="ada@example.org", display_name="Ada",
                    password=PASSWORD, language="en",
                ),
                hasher=ctx.hasher, now=ctx.clock.now(),
            )
            await db.commit()

    cli.db(set_up)
    out = cli.ok("init")
    assert "This instance is already set up." in out
    assert "/setup?token=" not in out


def test_migrate__from_empty_then_again_is_idempotent(empty_cli: Cli) -> None:
    head = migrate.head_revision()
    first = empty_cli.ok("migrate")
    assert f"Migrated the schema from empty to {head}." in first
    second = empty_cli.ok("migrate")
    assert second.strip() == f"The schema is up to date (revision {head})."


def test_migrate__on_a_current_database_changes_nothing(cli: Cli) -> None:
    assert "up to date" in cli.ok("migrate")


def test_bad_setting__is_refused_naming_it(cli: Cli) -> None:
    result = cli.invoke("member", "list", env={"COOPFED_PORT": "eighty"})
    assert result.exit_code == 1
    assert "port" in result.stderr and "eighty" in result.stderr


def test_missing_config_file__is_refused(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    message = cli.fails("member", "list", "--config", str(missing))
    assert "does not exist" in message


# --- members -------------------------------------------------------------------------------


def test_member_invite__prints_a_working_link(cli: Cli) -> None:
    out = cli.ok("member", "invite", "Bea@Example.org", "--name", "Béa", "--language", "fr")
    assert "Invitation for bea@example.org (valid until " in out
    path = link_in(out)
    assert path.startswith("/invite/")

    async def accept(ctx: AppContext) -> Member:
        async with ctx.session() as db:
            found = await invitation.accept(
                db, path.removeprefix("/invite/"), password=PASSWORD, display_name="Béa",
                username="bea", language="fr", hasher=ctx.hasher, now=ctx.clock.now(),
            )
            await db.commit()
            return found

    accepted = cli.db(accept)
    assert (accepted.email, accepted.status, accepted.language) == (
        "bea@example.org", Status.APPLICANT, "fr",
    )


def test_member_invite__into_a_class(cli: Cli) -> None:
    cli.ok("class", "create", "worker", "--name", "Workers")
    cli.ok("member", "invite", "bea@example.org", "--name", "Béa", "--class", "worker")
    worker_id = cli.db(_class_id("worker"))
    assert cli.member("bea@example.org").class_id == worker_id


def test_member_invite__unknown_class_is_refused(cli: Cli) -> None:
    message = cli.fails("member", "invite", "bea@example.org", "--name", "B", "--class", "nope")
    assert "There is no membership class named 'nope'." in message
    assert "No members." in cli.ok("member", "list")


def test_member_invite__duplicate_email_is_refused(cli: Cli, admin: Member) -> None:
    message = cli.fails("member", "invite", "ADA@example.org", "--name", "Ada again")
    assert "already exists" in message and "ada@example.org" in message


def test_member_invite__invalid_email_is_refused(cli: Cli) -> None:
    assert "not a valid email address" in cli.fails("member", "invite", "nobody", "--name", "N")


def test_member_invite__without_name_is_a_usage_error(cli: Cli) -> None:
    result = cli.invoke("member", "invite", "bea@example.org")
    assert result.exit_code == 2 and "--name" in result.stderr


def test_member_list__shows_everyone_and_filters_by_status(cli: Cli, admin: Member) -> None:
    applicant = cli.make_member(status=Status.APPLICANT)
    out = cli.ok("member", "list")
    header, *rows = out.strip().splitlines()
    assert header.split() == ["id", "username", "email", "status", "role", "class"]
    assert len(rows) == 2
    assert rows[0].split() == [str(admin.id), "ada", "ada@example.org", "member", "admin", "-"]
    assert applicant.email in rows[1] and "applicant" in rows[1]
    only = cli.ok("member", "list", "--status", "applicant").strip().splitlines()
    assert len(only) == 2 and applicant.email in only[1]
    assert cli.ok("member", "list", "--status", "left").strip() == "No members."


def test_member_list__unknown_status_is_a_usage_error(cli: Cli) -> None:
    assert cli.invoke("member", "list", "--status", "boss").exit_code == 2


@pytest.mark.parametrize("ref", ["id", "email", "username"])
def test_member_set_role__finds_the_member_by_any_reference(
    cli: Cli, admin: Member, ref: str
) -> None:
    bea = cli.make_member(email="bea@example.org", username="bea")
    who = {"id": str(bea.id), "email": "BEA@example.org", "username": "bea"}[ref]
    assert cli.ok("member", "set-role", who, "admin").strip() == "bea is now admin."
    assert cli.member("bea").role is Role.ADMIN


def test_member_set_role__unknown_member_is_refused(cli: Cli, admin: Member) -> None:
    message = cli.fails("member", "set-role", "nobody@example.org", "admin")
    assert "No member matches 'nobody@example.org'" in message


def test_member_set_role__last_admin_is_refused(cli: Cli, admin: Member) -> None:
    assert "last admin" in cli.fails("member", "set-role", "ada", "member")
    assert cli.member("ada").role is Role.ADMIN


def test_member_set_role__unknown_role_is_a_usage_error(cli: Cli, admin: Member) -> None:
    assert cli.invoke("member", "set-role", "ada", "owner").exit_code == 2


def test_member_set_class__sets_and_clears(cli: Cli, admin: Member) -> None:
    cli.ok("class", "create", "worker", "--name", "Workers")
    assert cli.ok("member", "set-class", "ada", "worker").strip() == "ada is now in class worker."
    assert cli.member("ada").class_id == cli.db(_class_id("worker"))
    cli.ok("member", "set-class", "ada", "none")
    assert cli.member("ada").class_id is None


def test_member_set_class__unknown_class_is_refused(cli: Cli, admin: Member) -> None:
    assert "no membership class named 'ghost'" in cli.fails("member", "set-class", "ada", "ghost")


def test_member_set_status__admits_an_applicant(cli: Cli, admin: Member) -> None:
    applicant = cli.make_member(status=Status.APPLICANT, username="cleo")
    assert cli.ok("member", "set-status", "cleo", "member").strip() == "cleo is now member."
    stored = cli.member(str(applicant.id))
    assert stored.status is Status.MEMBER and stored.admitted_at is not None


def test_member_set_status__suspending_the_last_admin_is_refused(cli: Cli, admin: Member) -> None:
    assert "last admin" in cli.fails("member", "set-status", "ada", "suspended")
    assert cli.member("ada").status is Status.MEMBER


def test_member_set_status__impossible_change_is_refused(cli: Cli, admin: Member) -> None:
    cli.make_member(status=Status.LEFT, username="gone")
    message = cli.fails("member", "set-status", "gone", "member")
    assert "cannot become 'member'" in message


def test_member_set_status__invited_cannot_be_set_by_hand(cli: Cli) -> None:
    assert cli.invoke("member", "set-status", "x", "invited").exit_code == 2


def test_member_reset_link__prints_a_working_link(cli: Cli, admin: Member) -> None:
    path = link_in(cli.ok("member", "reset-link", "ada"))
    assert path.startswith("/reset/")

    async def check(ctx: AppContext) -> int:
        async with ctx.session() as db:
            reset = await password_reset.lookup(db, path.removeprefix("/reset/"), now=ctx.clock.now())
            return reset.member_id

    assert cli.db(check) == admin.id


def test_member_reset_link__invited_member_is_refused(cli: Cli) -> None:
    cli.ok("member", "invite", "bea@example.org", "--name", "Béa")
    assert "has no password to reset" in cli.fails("member", "reset-link", "bea@example.org")


def test_member_reset_link__unknown_member_is_refused(cli: Cli) -> None:
    assert "No member matches '42'" in cli.fails("member", "reset-link", "42")


# --- classes -------------------------------------------------------------------------------


def _class_id(slug: str) -> Callable[[AppContext], Coroutine[Any, Any, int]]:
    async def find(ctx: AppContext) -> int:
        async with ctx.session() as db:
            return (await membership_class.by_slug(db, slug)).id

    return find


def test_class_list__empty(cli: Cli) -> None:
    assert cli.ok("class", "list").strip() == "No membership classes."


def test_class_create__then_list(cli: Cli) -> None:
    assert cli.ok("class", "create", "Worker", "--name", "Workers").strip() == "Created class worker."
    cli.ok("class", "create", "supporter", "--name", "Supporters", "--weight", "0.5", "--cap", "0.2")
    rows = cli.ok("class", "list").strip().splitlines()
    assert [r.split()[0] for r in rows] == ["supporter", "worker"]
    assert rows[0].split() == ["supporter", "weight", "0.5", "cap", "0.2", "Supporters"]
    assert rows[1].split() == ["worker", "weight", "1", "cap", "-", "Workers"]


def test_class_create__duplicate_slug_is_refused(cli: Cli) -> None:
    cli.ok("class", "create", "worker", "--name", "Workers")
    assert "already exists" in cli.fails("class", "create", "worker", "--name", "Again")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--weight", "heavy"], "vote_weight must be a decimal number"),
        (["--weight", "-1"], "between 0 and"),
        (["--cap", "2"], "weight cap"),
    ],
    ids=["not-a-number", "negative", "cap-over-1"],
)
def test_class_create__bad_values_are_refused(cli: Cli, args: list[str], expected: str) -> None:
    assert expected in cli.fails("class", "create", "worker", "--name", "W", *args)
    assert cli.ok("class", "list").strip() == "No membership classes."


def test_class_create__bad_slug_is_refused(cli: Cli) -> None:
    assert "short name" in cli.fails("class", "create", "two words", "--name", "W")


# --- tokens --------------------------------------------------------------------------------


def test_token_create__prints_a_token_that_works_against_the_api(cli: Cli) -> None:
    cli.ok("init")
    bea = cli.make_member(email="bea@example.org", username="bea")
    secret = cli.ok("token", "create", "bea", "--name", "laptop").strip()
    assert secret.startswith("cfp_") and "\n" not in secret

    async def me(ctx: AppContext) -> tuple[int, Any]:
        app = create_app(ctx.settings, context=ctx, run_worker=False)
        async with app.router.lifespan_context(app):
            async with AsyncClient(
                transport=ASGITransport(app=app), base_url="http://testserver"
            ) as client:
                response = await client.get(
                    "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                )
        return response.status_code, response.json()

    status, body = cli.db(me)
    assert status == 200, body
    assert body["id"] == bea.id and body["email"] == "bea@example.org"


def test_token_create__unknown_member_is_refused(cli: Cli) -> None:
    assert "No member matches 'ghost'" in cli.fails("token", "create", "ghost", "--name", "x")


def test_token_create__blank_name_is_refused(cli: Cli, admin: Member) -> None:
    assert "1 to 80 characters" in cli.fails("token", "create", "ada", "--name", "  ")
