"""Ballots cast through the API are counted at close by the columnar path (``counting.count``,
straight from SQL into ``tally_columns``); for every method, roll-call and secret, with class
weights and caps, it must agree exactly with the per-ballot reference path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from coopfed.context import AppContext
from coopfed.worker import Worker
from governance.ballot.model import RollCallBallot
from governance.bylaws import store
from governance.bylaws.document import parse_bylaws
from governance.clock import ManualClock
from governance.member import Role
from governance.proposal import counting, service
from tests.integration.api.conftest import API, Caller, make_class, make_member, make_token
from tests.integration.api.test_proposals_support import HOUR, open_via_api, run_worker, vote


def kind(method: str, **rules: Any) -> dict[str, Any]:
    return {
        "label": method.title(), "method": method, "quorum": "0.25", "threshold": "0.5",
        "min_voting_hours": 24, "max_voting_hours": 240, "proxies_allowed": True,
        "max_proxies_per_holder": 2, **rules,
    }


BYLAWS = {
    "title": "Every method",
    "preset": "custom",
    "text": "For tests.",
    "kinds": {
        "majority": kind("majority"),
        "supermajority": kind("supermajority", threshold="2/3", comparison="at_least"),
        "consent": kind("consent"),
        "approval": kind("approval", max_choices=2),
        "score": kind("score"),
        "secret_majority": kind("majority", secret=True),
        "secret_consent": kind("consent", secret=True),
        "secret_approval": kind("approval", secret=True, max_choices=2),
        "secret_score": kind("score", secret=True),
        "amendment": kind("majority", effect="amend_bylaws"),
    },
}

OPTIONS = ["Red", "Green", "Blue"]
# One choice per member, in member order; the pattern mixes every answer a method allows.
CHOICES: dict[str, list[dict[str, Any]]] = {
    "majority": [{"vote": v} for v in ("yes", "yes", "no", "abstain", "yes", "no", "yes", "no")],
    "consent": [{"vote": v} for v in ("agree", "agree", "abstain", "block", "agree", "agree",
                                      "abstain", "agree")],
    "approval": [{"approve": a} for a in (["o1"], ["o1", "o2"], [], ["o3"], ["o2", "o3"],
                                          ["o1"], ["o2"], ["o1", "o3"])],
    "score": [{"scores": s} for s in ({"o1": 5, "o2": 0, "o3": 2}, {"o1": 1, "o2": 4},
                                      {}, {"o3": 5}, {"o1": 3, "o2": 3, "o3": 3},
                                      {"o1": 0, "o2": 5, "o3": 1}, {"o2": 2}, {"o1": 4, "o3": 4})],
}


@pytest.fixture
async def voters(ctx: AppContext) -> list[Caller]:
    """Nine members: three workers, three capped users, two light capped supporters, one
    without a class; the bylaws define a kind for every method."""
    async with ctx.session() as db:
        await store.install_at_setup(db, parse_bylaws(BYLAWS), by=None, now=ctx.clock.now())
        await db.commit()
    worker = await make_class(ctx, "worker")
    user = await make_class(ctx, "user", cap="0.3")
    supporter = await make_class(ctx, "supporter", weight="0.5", cap="0.2")
    classes = [worker, worker, worker, user, user, user, supporter, supporter, None]
    people = []
    for n, cls in enumerate(classes):
        member = await make_member(
            ctx, role=Role.ADMIN if n == 0 else Role.MEMBER,
            class_id=cls.id if cls is not None else None,
        )
        people.append(Caller(member, await make_token(ctx, member)))
    return people


async def reference_result(ctx: AppContext, proposal_id: int) -> dict[str, Any]:
    async with ctx.session() as db:
        proposal = await service.get(db, proposal_id)
        result = await counting.count_per_ballot(db, proposal)
        return counting.result_to_json(result, secret=bool(proposal.rules.get("secret")))


@pytest.mark.parametrize("kind_key", [k for k in BYLAWS["kinds"] if k != "amendment"])  # type: ignore[attr-defined]
async def test_count_at_close__equals_the_per_ballot_reference(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, voters: list[Caller],
    kind_key: str,
) -> None:
    method = kind_key.removeprefix("secret_").replace("supermajority", "majority")
    options = OPTIONS if method in ("approval", "score") else []
    opened = await open_via_api(client, ctx, voters[0], kind=kind_key, options=options, hours=48)
    for who, choice in zip(voters, CHOICES[method], strict=False):
        reason = "Not like this" if choice.get("vote") == "block" else ""
        response = await vote(client, who, opened["id"], choice, reason=reason)
        assert response.status_code == 201, response.text
    # The class-less member gives a proxy to a worker, who votes for them.
    give = await client.post(
        f"{API}/proxies", json={"holder_id": voters[1].id, "proposal_id": opened["id"]},
        headers=voters[8].headers,
    )
    assert give.status_code == 201, give.text
    proxied = await vote(client, voters[1], opened["id"], CHOICES[method][0],
                         on_behalf_of=voters[8].id)
    assert proxied.status_code == 201, proxied.text
    clock.advance(48 * HOUR)
    await run_worker(ctx)
    result = (await client.get(f"{API}/proposals/{opened['id']}/result",
                               headers=voters[2].headers)).json()
    stored = {k: v for k, v in result.items() if k not in ("proposal_id", "status")}
    assert stored == await reference_result(ctx, opened["id"])
    assert result["ballot_count"] == 9
    # Eligible weight 8: users (3, 37.5 %) are held at their 30 % cap; supporters (2 × 0.5,
    # 12.5 %) stay under theirs.
    assert Decimal(result["class_factors"]["user"]) < 1
    if method == "consent":
        assert result["outcome"] == "rejected"
        blocks = result["blocks"]
        assert blocks == 1 if kind_key.startswith("secret") else blocks == [str(voters[3].id)]


async def test_corrupted_stored_ballot__stops_the_count_instead_of_being_skipped(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, voters: list[Caller]
) -> None:
    opened = await open_via_api(client, ctx, voters[0], kind="majority", hours=48)
    for who in voters[:3]:
        assert (await vote(client, who, opened["id"], {"vote": "yes"})).status_code == 201
    async with ctx.session() as db:
        await db.execute(
            update(RollCallBallot)
            .where(RollCallBallot.voter_id == voters[2].id)
            .values(choice={"vote": "maybe"})
        )
        await db.commit()
    clock.advance(48 * HOUR)
    done = await Worker(ctx).run_once()
    assert done["proposal-clock"] == -1  # the job failed, logged, and will run again
    found = (await client.get(f"{API}/proposals/{opened['id']}", headers=voters[0].headers))
    assert found.json()["status"] == "open" and found.json()["closed_at"] is None
