"""``coopfed verify-tally``: an honest export verifies; each kind of tampering is caught."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric import ed25519
from httpx import AsyncClient

from coopfed.cli import main
from coopfed.context import AppContext
from coopfed.worker import ProposalClock
from federation import keys
from federation.multikey import ed25519_multibase
from governance.ballot import head as ballot_head
from governance.clock import ManualClock
from governance.member import Status
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.integration.test_ballot_log import audit_export, closed_roll_call, vote
from tests.integration.web_support import add_member


def verify_tally(tmp_path: Path, export: Any) -> Result:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    return CliRunner().invoke(main, ["verify-tally", str(path)], catch_exceptions=False)


@pytest.fixture
async def export(client: AsyncClient, ctx: AppContext, clock: ManualClock) -> Any:
    people, proposal = await closed_roll_call(ctx, clock)
    return await audit_export(client, ctx, people[3], proposal.id)


def test_honest_export__verifies(tmp_path: Path, export: Any) -> None:
    result = verify_tally(tmp_path, export)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: proposal")
    assert "4 log leaves" in result.stdout and "3 ballots counted" in result.stdout


def _remove_leaf(doc: Any) -> None:
    del doc["leaves"][0]


def _add_leaf(doc: Any) -> None:
    doc["leaves"].append({**doc["leaves"][0], "choice": {"vote": "no"}})


def _alter_leaf(doc: Any) -> None:
    doc["leaves"][-1]["choice"] = {"vote": "no"}


def _change_result(doc: Any) -> None:
    doc["result"]["totals"]["yes"] = "2"


def _sign_with_another_key(doc: Any) -> None:
    head = doc["head"]
    signed = ballot_head.signed_bytes(
        ballot_head.head_document(
            head["proposal"], head["size"], head["root"], head["result_digest"]
        )
    )
    head["signature"] = ballot_head.b64url(ed25519.Ed25519PrivateKey.generate().sign(signed))


def _change_counted_choice(doc: Any) -> None:
    doc["counted"][0]["choice"] = {"vote": "no"}


def _change_counted_weight(doc: Any) -> None:
    doc["counted"][0]["weight"] = "2"


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_remove_leaf, "log size"),
        (_add_leaf, "log size"),
        (_alter_leaf, "log root"),
        (_change_result, "result digest"),
        (_sign_with_another_key, "signature"),
        (_change_counted_choice, "counted ballots"),
        (_change_counted_weight, "counted ballots"),
    ],
)
def test_tampered_export__fails_naming_what(
    tmp_path: Path, export: Any, tamper: Callable[[Any], None], named: str
) -> None:
    assert verify_tally(tmp_path, export).exit_code == 0
    doc = copy.deepcopy(export)
    tamper(doc)
    result = verify_tally(tmp_path, doc)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: verification failed: " + named), result.stderr
    assert "Traceback" not in result.output


def test_unsigned_head__fails(tmp_path: Path, export: Any) -> None:
    doc = copy.deepcopy(export)
    doc["head"]["signature"] = None
    result = verify_tally(tmp_path, doc)
    assert result.exit_code == 1
    assert "not signed" in result.stderr


def test_unreadable_file__fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify-tally", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


async def test_secret_ballot_export__verifies(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, tmp_path: Path
) -> None:
    people = await coop_with_members(ctx, 3)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    proposal = await open_proposal(
        ctx, people[0], kind="member_admission", title="Admit", subject_member_id=applicant.id
    )
    await vote(ctx, proposal.id, people[0].id, {"vote": "yes"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    clock.advance(timedelta(hours=73))
    await ProposalClock().run_once(ctx)
    export = await audit_export(client, ctx, people[2], proposal.id)
    assert all("voter" not in leaf for leaf in export["leaves"])
    result = verify_tally(tmp_path, export)
    assert result.exit_code == 0, result.output
    assert "3 log leaves" in result.stdout and "2 ballots counted" in result.stdout


def test_export_re_signed_with_its_own_key__fails_against_the_published_key(
    tmp_path: Path, export: Any
) -> None:
    published = export["instance_key"]["multibase"]
    doc = copy.deepcopy(export)
    other = ed25519.Ed25519PrivateKey.generate()
    head = doc["head"]
    signed = ballot_head.signed_bytes(
        ballot_head.head_document(
            head["proposal"], head["size"], head["root"], head["result_digest"]
        )
    )
    head["signature"] = ballot_head.b64url(other.sign(signed))
    doc["instance_key"]["multibase"] = ed25519_multibase(other.public_key())
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    pinned = CliRunner().invoke(main, ["verify-tally", str(path), "--key", published])
    assert pinned.exit_code == 1
    assert pinned.stderr.startswith("Error: verification failed: signature"), pinned.stderr
    path.write_text(json.dumps(export), encoding="utf-8")
    honest = CliRunner().invoke(main, ["verify-tally", str(path), "--key", published])
    assert honest.exit_code == 0, honest.output


async def test_export_after_a_key_rotation__still_verifies(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, tmp_path: Path
) -> None:
    people, proposal = await closed_roll_call(ctx, clock)
    async with ctx.session() as db:
        await keys.rotate(db, keys.INSTANCE_ACTOR, now=clock.now())
        await db.commit()
    export = await audit_export(client, ctx, people[1], proposal.id)
    assert export["instance_key"]["retired_at"] is not None
    result = verify_tally(tmp_path, export)
    assert result.exit_code == 0, result.output


def _re_sign(doc: Any) -> None:
    """Sign the (changed) document's head anew with a key the export then carries, as a
    server that miscounted would: only the recount can catch what follows."""
    other = ed25519.Ed25519PrivateKey.generate()
    head = doc["head"]
    head["result_digest"] = ballot_head.result_digest(doc["result"])
    signed = ballot_head.signed_bytes(
        ballot_head.head_document(
            head["proposal"], head["size"], head["root"], head["result_digest"]
        )
    )
    head["signature"] = ballot_head.b64url(other.sign(signed))
    doc["instance_key"]["multibase"] = ed25519_multibase(other.public_key())


def test_signed_but_wrong_tally__fails_on_the_recount(tmp_path: Path, export: Any) -> None:
    doc = copy.deepcopy(export)
    doc["result"]["totals"]["yes"] = "2"
    _re_sign(doc)
    result = verify_tally(tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: verification failed: tally does not match: result.totals.yes"
    ), result.stderr


def test_signed_log_with_an_altered_ballot__fails_on_the_counted_ballots(
    tmp_path: Path, export: Any
) -> None:
    from governance import merkle

    doc = copy.deepcopy(export)
    doc["leaves"][-1]["choice"] = {"vote": "no"}
    doc["head"]["root"] = merkle.root(
        [merkle.object_leaf_hash(leaf) for leaf in doc["leaves"]]
    ).hex()
    _re_sign(doc)
    result = verify_tally(tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: verification failed: counted ballots"), result.stderr


def test_fast_leaf_hashes_of_an_export__equal_the_rfc8785_ones(export: Any) -> None:
    from governance import merkle

    leaves = [
        *export["leaves"],
        {**export["leaves"][0], "choice": {"ranking": ["é", "\u2028", 'a"b\\c\n\x01']}},
        {**export["leaves"][0], "choice": {"scores": {"o2": 5, "o10": 0, "o1": -3}}},
    ]
    assert merkle.object_leaf_hashes(leaves) == [merkle.object_leaf_hash(leaf) for leaf in leaves]
    assert merkle.object_leaf_hashes([]) == []
