"""``coopfed verify-tally URL`` against a live instance: it fetches the export and the co-op
actor's published Ed25519 key (FEP-521a), and checks the head's signature with that key, not
the one the export carries. A FILE is checked against a published key with ``--instance`` or
``--key``. A head signed by another key than the published one fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric import ed25519

from coopfed.cli import main
from coopfed.context import AppContext
from coopfed.settings import Settings
from coopfed.worker import ProposalClock
from federation import keys
from federation.multikey import ed25519_multibase
from governance import member as members
from governance.ballot import cast as ballots
from governance.ballot import head as ballot_head
from governance.clock import ManualClock
from tests.browser.conftest import Backstage
from tests.integration.api.conftest import make_token
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.live import LiveServer, serve_in_thread


@pytest.fixture
def live(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        port=0,
        fast_password_hashing=True,
        signin_delay=0.0,
        run_worker=False,
    )
    with serve_in_thread(settings, clock=clock) as server:
        yield server


@pytest.fixture
def stage(live: LiveServer, clock: ManualClock) -> Iterator[Backstage]:
    backstage = Backstage(live.settings, clock)
    try:
        yield backstage
    finally:
        backstage.close()


async def _closed_vote(ctx: AppContext, clock: ManualClock) -> tuple[int, str]:
    people = await coop_with_members(ctx, 3)
    proposal = await open_proposal(ctx, people[0])
    for person, choice in zip(people, ("yes", "no", "yes"), strict=True):
        async with ctx.session() as db:
            actor = await members.get(db, person.id)
            await ballots.cast(db, proposal.id, actor, {"vote": choice}, now=clock.now())
            await db.commit()
    clock.advance(timedelta(hours=73))
    await ProposalClock().run_once(ctx)
    return proposal.id, await make_token(ctx, people[1])


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["verify-tally", *args], catch_exceptions=False)


def test_url__checks_the_signature_with_the_key_the_instance_publishes(
    live: LiveServer, stage: Backstage, clock: ManualClock, tmp_path: Path
) -> None:
    proposal_id, token = stage.run(_closed_vote(stage.ctx, clock))
    url = f"{live.url}/api/v1/proposals/{proposal_id}/audit"
    honest = _run(url, "--token", token)
    assert honest.exit_code == 0, honest.output
    assert honest.stdout.startswith(f"OK: proposal {proposal_id}, 3 log leaves")
    assert f"published by the instance at {live.url}/actors/coop" in honest.stdout
    assert "Warning" not in honest.output

    # A FILE: --instance fetches the published key; without it the output says which key.
    export = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    pinned = _run(str(path), "--instance", live.url)
    assert pinned.exit_code == 0, pinned.output
    assert f"published by the instance at {live.url}/actors/coop" in pinned.stdout
    alone = _run(str(path))
    assert alone.exit_code == 0 and "embedded in the export" in alone.stdout
    assert "Warning" in alone.stderr

    # The export re-signed with another key that it carries itself: only the published key
    # catches it.
    forged: Any = copy.deepcopy(export)
    other = ed25519.Ed25519PrivateKey.generate()
    head = forged["head"]
    head["signature"] = ballot_head.b64url(
        other.sign(
            ballot_head.signed_bytes(
                ballot_head.head_document(
                    head["proposal"], head["size"], head["root"], head["result_digest"]
                )
            )
        )
    )
    forged["instance_key"]["multibase"] = ed25519_multibase(other.public_key())
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert _run(str(path)).exit_code == 0  # self-consistent, hence the warning above
    caught = _run(str(path), "--instance", live.url)
    assert caught.exit_code == 1
    assert caught.stderr.startswith("Error: verification failed: signature"), caught.stderr
    assert f"{live.url}/actors/coop" in caught.stderr


def test_url__a_head_signed_by_a_key_the_instance_no_longer_publishes_fails(
    live: LiveServer, stage: Backstage, clock: ManualClock
) -> None:
    proposal_id, token = stage.run(_closed_vote(stage.ctx, clock))

    async def rotate() -> None:
        async with stage.ctx.session() as db:
            await keys.rotate(db, keys.INSTANCE_ACTOR, now=clock.now())
            await db.commit()

    stage.run(rotate())
    result = _run(f"{live.url}/api/v1/proposals/{proposal_id}/audit", "--token", token)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: verification failed: signature"), result.stderr


def test_url__unreachable_instance_key_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["verify-tally", str(path), "--instance", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot fetch the instance's published key" in result.stderr
