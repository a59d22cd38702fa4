"""``coopfed keys rotate`` and ``coopfed keys show``: new keys, old ones kept as retired, and
the actor ``Update`` queued in the same transaction.

The commands run in-process with click's ``CliRunner`` (they call ``asyncio.run`` themselves,
so these tests are plain functions) on the test's own database.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from coopfed.cli import main
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from federation import actor as actors
from federation import keys
from federation.actor import LocalUrls
from federation.context import AS_PUBLIC
from federation.httpsig import PublicKey
from federation.keys import ActorKey, KeyType
from federation.models import OutboxActivity
from federation.multikey import ed25519_multibase
from federation.rotation import fingerprint, rotate
from governance.member import Member
from tests.integration.api.conftest import make_member

T = TypeVar("T")
BASE = "https://coop.example"
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")


@dataclass
class Keys:
    """Runs ``coopfed`` on one test database and reads that database directly."""

    data_dir: Path
    database_url: str

    def invoke(self, *args: str) -> Result:
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COOPFED_")}
        env["COOPFED_BASE_URL"] = BASE
        if self.database_url:
            env["COOPFED_DATABASE_URL"] = self.database_url
        return CliRunner().invoke(
            main, [*args, "--data-dir", str(self.data_dir)], env=env, catch_exceptions=False
        )

    def ok(self, *args: str) -> str:
        result = self.invoke(*args)
        assert result.exit_code == 0, (result.output, result.stderr)
        return result.stdout

    def db(self, work: Callable[[AppContext], Coroutine[Any, Any, T]]) -> T:
        async def run() -> T:
            ctx = build_context(
                Settings(
                    data_dir=self.data_dir,
                    database_url=self.database_url,
                    base_url=BASE,
                    fast_password_hashing=True,
                )
            )
            try:
                return await work(ctx)
            finally:
                await ctx.dispose()

        return asyncio.run(run())

    def rows(self, owner: str) -> list[ActorKey]:
        async def read(ctx: AppContext) -> list[ActorKey]:
            async with ctx.session() as db:
                query = select(ActorKey).where(ActorKey.actor == owner).order_by(ActorKey.id)
                return list((await db.scalars(query)).all())

        return self.db(read)

    def outbox(self) -> list[OutboxActivity]:
        async def read(ctx: AppContext) -> list[OutboxActivity]:
            async with ctx.session() as db:
                query = select(OutboxActivity).order_by(OutboxActivity.id)
                return list((await db.scalars(query)).all())

        return self.db(read)

    def member(self, **kwargs: Any) -> Member:
        async def make(ctx: AppContext) -> Member:
            return await make_member(ctx, **kwargs)

        return self.db(make)


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Keys:
    """An initialised instance (schema, instance row, instance keys)."""
    runner = Keys(tmp_path, database_url)
    runner.ok("init")
    return runner


def _current(rows: list[ActorKey]) -> dict[KeyType, ActorKey]:
    return {row.key_type: row for row in rows if row.retired_at is None}


def test_keys_show__prints_the_coop_key_ids_and_fingerprints(cli: Keys) -> None:
    out = cli.ok("keys", "show")
    assert f"Keys of {BASE}/actors/coop:" in out
    current = _current(cli.rows(keys.INSTANCE_ACTOR))
    assert f"{BASE}/actors/coop#main-key" in out
    assert f"{BASE}/actors/coop#ed25519-key" in out
    for row in current.values():
        assert fingerprint(row.public_pem) in out
    assert len(FINGERPRINT.findall(out)) == 2
    assert out.count("current") == 2


def test_keys_rotate__makes_new_keys_and_keeps_the_old_ones_retired(cli: Keys) -> None:
    before = _current(cli.rows(keys.INSTANCE_ACTOR))
    out = cli.ok("keys", "rotate")
    rows = cli.rows(keys.INSTANCE_ACTOR)
    after = _current(rows)
    assert len(rows) == 4
    assert set(after) == {KeyType.RSA, KeyType.ED25519}
    for key_type in KeyType:
        assert after[key_type].id != before[key_type].id
        assert after[key_type].public_pem != before[key_type].public_pem
        old = next(row for row in rows if row.id == before[key_type].id)
        assert old.retired_at is not None
        assert old.private_pem == before[key_type].private_pem  # kept, to check old signatures
    assert fingerprint(after[KeyType.RSA].public_pem) in out
    assert "Retired 2 earlier key(s)" in out

    shown = cli.ok("keys", "show")
    assert shown.count("current") == 2
    assert shown.count("retired") == 2


def test_keys_rotate__queues_an_actor_update_with_the_new_keys(cli: Keys) -> None:
    out = cli.ok("keys", "rotate")
    [activity] = cli.outbox()
    new = _current(cli.rows(keys.INSTANCE_ACTOR))
    payload = activity.payload
    assert activity.activity_type == "Update"
    assert activity.actor == keys.INSTANCE_ACTOR
    assert activity.public is True
    assert activity.activity_id == payload["id"]
    assert payload["id"].startswith(f"{BASE}/activities/")
    assert payload["id"] in out
    assert payload["type"] == "Update"
    assert payload["actor"] == f"{BASE}/actors/coop"
    assert payload["to"] == [AS_PUBLIC]
    assert payload["cc"] == [f"{BASE}/actors/coop/followers"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["published"])
    actor_doc = payload["object"]
    assert actor_doc["id"] == payload["actor"]
    assert actor_doc["type"] == "Organization"
    assert actor_doc["publicKey"]["publicKeyPem"] == new[KeyType.RSA].public_pem
    ed_key = PublicKey.from_pem(new[KeyType.ED25519].public_pem).raw
    assert actor_doc["assertionMethod"][0]["publicKeyMultibase"] == ed25519_multibase(
        ed_key  # type: ignore[arg-type]
    )


def test_keys_rotate__each_update_has_its_own_id(cli: Keys) -> None:
    cli.ok("keys", "rotate")
    cli.ok("keys", "rotate")
    ids = [activity.activity_id for activity in cli.outbox()]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert len(cli.rows(keys.INSTANCE_ACTOR)) == 6


def test_keys_rotate__member_gets_their_own_keys_and_update(cli: Keys) -> None:
    bea = cli.member(username="bea", display_name="Béa")
    owner = actors.member_key_owner(bea.id)
    cli.ok("keys", "rotate", "--member", "bea")  # no keys yet: made now, nothing retired
    assert len(_current(cli.rows(owner))) == 2
    first = _current(cli.rows(owner))
    out = cli.ok("keys", "rotate", "--member", str(bea.id))  # by id this time
    assert "Retired 2 earlier key(s)" in out
    second = _current(cli.rows(owner))
    assert {row.id for row in second.values()}.isdisjoint(row.id for row in first.values())
    updates = cli.outbox()
    assert [u.actor for u in updates] == [owner, owner]
    assert updates[-1].payload["actor"] == f"{BASE}/actors/bea"
    assert updates[-1].payload["object"]["type"] == "Person"
    assert len(_current(cli.rows(keys.INSTANCE_ACTOR))) == 2  # the co-op's keys are untouched
    assert f"{BASE}/actors/bea#main-key" in cli.ok("keys", "show", "--member", "bea")


@pytest.mark.parametrize("status", ["applicant", "suspended", "left"])
def test_keys_rotate__refuses_someone_who_is_not_an_admitted_member(cli: Keys, status: str) -> None:
    cyd = cli.member(username="cyd", status=status)
    result = cli.invoke("keys", "rotate", "--member", "cyd")
    assert result.exit_code == 1
    assert "not an admitted member" in result.stderr
    assert cli.rows(actors.member_key_owner(cyd.id)) == []
    assert cli.outbox() == []


def test_keys_rotate__unknown_member_is_an_error(cli: Keys) -> None:
    result = cli.invoke("keys", "rotate", "--member", "nobody")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert cli.outbox() == []


def test_rotate__keys_and_update_are_one_transaction(cli: Keys) -> None:
    """Until the caller commits, neither the new keys nor the Update exist for anyone."""
    before = {row.id for row in cli.rows(keys.INSTANCE_ACTOR)}

    async def rotate_without_commit(ctx: AppContext) -> None:
        async with ctx.session() as db:
            _found, coop = await actors.lookup(db, "coop")
            assert coop is not None
            done = await rotate(db, LocalUrls.of(BASE), coop, now=ctx.clock.now())
            assert len(done.new_key_ids) == 2
            await db.rollback()

    cli.db(rotate_without_commit)
    rows = cli.rows(keys.INSTANCE_ACTOR)
    assert {row.id for row in rows} == before
    assert all(row.retired_at is None for row in rows)
    assert cli.outbox() == []
