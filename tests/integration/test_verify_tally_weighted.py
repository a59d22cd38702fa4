"""Weighted ranked votes: every log leaf carries the voter's class and weight, so
``coopfed verify-tally`` recounts from signed data exactly what the server computed, class
weights and caps included; a changed weight is caught."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from httpx import AsyncClient

from coopfed.cli import main
from coopfed.context import AppContext
from coopfed.worker import ProposalClock
from governance import merkle
from governance.bylaws import store
from governance.bylaws.document import parse_bylaws
from governance.clock import ManualClock
from governance.member import Role
from tests.integration.api.conftest import make_class, make_member
from tests.integration.governance_support import open_proposal
from tests.integration.test_ballot_log import audit_export, vote
from tests.integration.test_verify_tally import _re_sign


def _kind(method: str, **rules: Any) -> dict[str, Any]:
    return {
        "label": method, "method": method, "quorum": "0", "threshold": "0.5",
        "min_voting_hours": 24, "max_voting_hours": 240, **rules,
    }


BYLAWS = {
    "title": "Weighted", "preset": "custom", "text": "For tests.",
    "kinds": {
        "plan": _kind("schulze"),
        "runoff": _kind("instant_runoff"),
        "board": _kind("stv", seats=2),
        "secret_board": _kind("stv", seats=2, secret=True),
        "amendment": _kind("majority", effect="amend_bylaws"),
    },
}
# Workers weigh 3, users 1 (their class capped at 25 %), supporters 0.5.
CLASSES = ("worker", "worker", "user", "user", "user", "supporter")
RANKINGS = (
    ["o2", "o1", "o3"], ["o2", "o3"], ["o1", "o3"], ["o1", "o3", "o2"], ["o3"], ["o3", "o1"],
)


def _verify(tmp_path: Path, export: Any) -> Result:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    return CliRunner().invoke(main, ["verify-tally", str(path)], catch_exceptions=False)


async def _weighted_export(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, kind: str
) -> Any:
    async with ctx.session() as db:
        await store.install_at_setup(db, parse_bylaws(BYLAWS), by=None, now=ctx.clock.now())
        await db.commit()
    classes = {
        "worker": await make_class(ctx, "worker", weight="3"),
        "user": await make_class(ctx, "user", weight="1", cap="0.25"),
        "supporter": await make_class(ctx, "supporter", weight="0.5"),
    }
    people = [
        await make_member(
            ctx, role=Role.ADMIN if n == 0 else Role.MEMBER, class_id=classes[slug].id
        )
        for n, slug in enumerate(CLASSES)
    ]
    proposal = await open_proposal(
        ctx, people[0], kind=kind, title="Choose", options=("Alpha", "Beta", "Gamma")
    )
    for person, ranking in zip(people, RANKINGS, strict=True):
        await vote(ctx, proposal.id, person.id, {"ranking": ranking})
    clock.advance(timedelta(hours=241))
    await ProposalClock().run_once(ctx)
    return await audit_export(client, ctx, people[1], proposal.id)


@pytest.mark.parametrize("kind", ["plan", "runoff", "board", "secret_board"])
async def test_weighted_classes__leaves_carry_class_and_weight_and_the_recount_matches(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, tmp_path: Path, kind: str
) -> None:
    export = await _weighted_export(client, ctx, clock, kind)
    assert [(leaf["class"], leaf["weight"]) for leaf in export["leaves"]] == [
        ("worker", "3"), ("worker", "3"), ("user", "1"), ("user", "1"), ("user", "1"),
        ("supporter", "0.5"),
    ]
    factors = export["result"]["class_factors"]
    assert Decimal(factors["user"]) < 1 < Decimal(factors["worker"])  # the cap binds
    result = _verify(tmp_path, export)
    assert result.exit_code == 0, result.output
    assert "6 ballots counted" in result.stdout
    # The output carries the detail the API gives: rounds or stages, or the Schulze tables.
    expected = {
        "plan": ("Pairwise matrix (row preferred to column):", "Strongest paths (winning votes):"),
        "runoff": ("Rounds:", "exhausted"),
        "board": ("Quota: ", "Stages:", "non-transferable"),
        "secret_board": ("Quota: ", "Stages:"),
    }[kind]
    for heading in expected:
        assert heading in result.stdout
    details = export["result"]["details"]
    if kind == "plan":
        row = result.stdout.split("Pairwise matrix")[1].splitlines()[2].split()
        assert row == ["o1", "-", *details["pairwise"][0][1:]]
    else:
        assert len(details["rounds"]) >= 1

    # The exported counted ballot says weight 1 where the signed leaf says 3.
    doc = copy.deepcopy(export)
    worker = next(item for item in doc["counted"] if item["class_id"] == "worker")
    worker["weight"] = "1"
    changed = _verify(tmp_path, doc)
    assert changed.exit_code == 1
    assert changed.stderr.startswith("Error: verification failed: counted ballots"), changed.stderr


async def test_weighted_leaf_changed_and_re_signed__the_recount_differs(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, tmp_path: Path
) -> None:
    export = await _weighted_export(client, ctx, clock, "plan")
    doc = copy.deepcopy(export)
    for leaf in doc["leaves"][:2]:  # the workers now weigh 0.5
        leaf["weight"] = "0.5"
    for item in doc["counted"]:
        if item["class_id"] == "worker":
            item["weight"] = "0.5"
    doc["head"]["root"] = merkle.root([merkle.object_leaf_hash(x) for x in doc["leaves"]]).hex()
    _re_sign(doc)
    result = _verify(tmp_path, doc)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: verification failed: tally does not match"), (
        result.stderr
    )
