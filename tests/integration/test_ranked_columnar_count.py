"""Ranked ballots are counted at close through the columnar path (rankings unnested by the
database, read as NumPy matrices), and give exactly the per-ballot reference result, weighted
classes and caps included; a corrupted stored ranking stops the count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from coopfed.context import AppContext
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.bylaws import store
from governance.bylaws.document import parse_bylaws
from governance.clock import ManualClock
from governance.member import Role
from governance.proposal import counting, service
from governance.tally import ClassWeight, InvalidBallot, Method, Rules
from tests.integration.api.conftest import make_class, make_member
from tests.integration.governance_support import open_proposal
from tests.integration.test_ballot_log import vote
from tests.integration.test_verify_tally_weighted import BYLAWS

CLASSES = ("worker", "worker", "user", "user", "user", "supporter", "supporter")
RANKINGS = (
    ["o2", "o1", "o3", "o4"], ["o2", "o4"], ["o1", "o3"], ["o4", "o3", "o2", "o1"], [],
    ["o3"], ["o3", "o1"],
)


async def _voted(ctx: AppContext, kind: str) -> int:
    async with ctx.session() as db:
        await store.install_at_setup(db, parse_bylaws(BYLAWS), by=None, now=ctx.clock.now())
        await db.commit()
    classes = {
        "worker": await make_class(ctx, "worker", weight="3"),
        "user": await make_class(ctx, "user", weight="1", cap="0.25"),
        "supporter": await make_class(ctx, "supporter", weight="0.5"),
    }
    people = [
        await make_member(ctx, role=Role.ADMIN if n == 0 else Role.MEMBER,
                          class_id=classes[slug].id)
        for n, slug in enumerate(CLASSES)
    ]
    proposal = await open_proposal(
        ctx, people[0], kind=kind, title="Choose", options=("A", "B", "C", "D")
    )
    for person, ranking in zip(people, RANKINGS, strict=True):
        await vote(ctx, proposal.id, person.id, {"ranking": ranking})
    return proposal.id


@pytest.mark.parametrize("kind", ["plan", "runoff", "board", "secret_board"])
async def test_columnar_count__equals_the_per_ballot_reference(
    ctx: AppContext, clock: ManualClock, kind: str
) -> None:
    proposal_id = await _voted(ctx, kind)
    async with ctx.session() as db:
        proposal = await service.get(db, proposal_id)
        columns, _ = await counting.columnar_inputs(db, proposal)
        fast = await counting.count(db, proposal)
        slow = await counting.count_per_ballot(db, proposal)
    assert len(columns) == len(RANKINGS)
    assert fast == slow
    assert fast.ballot_count == 7 and fast.winners


@pytest.mark.parametrize(
    "stored",
    [
        {"ranking": ["o1", "o9"]},  # an unknown option
        {"ranking": ["o1", "o1"]},  # ranked twice
        {"ranking": ["o1", "o2", "o3", "o4", "o1"]},  # longer than the options
        {"vote": "yes"},  # no ranking at all
    ],
)
@pytest.mark.parametrize("kind", ["plan", "secret_board"])
async def test_corrupted_stored_ranking__stops_the_count(
    ctx: AppContext, clock: ManualClock, stored: dict[str, Any], kind: str
) -> None:
    table: Any = SecretBallot if kind == "secret_board" else RollCallBallot
    proposal_id = await _voted(ctx, kind)
    async with ctx.session() as db:
        await db.execute(
            update(table).where(table.proposal_id == proposal_id).values(choice=stored)
        )
        await db.commit()
        proposal = await service.get(db, proposal_id)
        with pytest.raises(InvalidBallot):
            await counting.count(db, proposal)


def test_ranked_choices__plain_and_exotic_keys_decode_alike() -> None:
    def rules(*options: str) -> Rules:
        return Rules(Method.STV, (ClassWeight("c", Decimal(3)),), options=options)

    texts = ['{"ranking": ["b", "a"]}', '{"ranking":[]}', '{\n "ranking": [ "c" ] }']
    plain = counting.ranked_choices(texts, rules("a", "b", "c"))
    assert plain.tolist() == [[1, 0, -1], [-1, -1, -1], [2, -1, -1]]
    exotic = ['{"ranking": ["b \\"x\\"", "a"]}', '{"ranking": []}', '{"ranking": ["c"]}']
    slow = counting.ranked_choices(exotic, rules("a", 'b "x"', "c"))
    assert slow.tolist() == plain.tolist()
    schulze = Rules(Method.SCHULZE, (ClassWeight("c", Decimal(3)),), options=("a", "b", "c"))
    assert counting.ranked_choices(texts, schulze).tolist() == [[2, 1, 0], [0, 0, 0], [0, 0, 1]]
