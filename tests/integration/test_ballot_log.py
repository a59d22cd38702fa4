"""The verifiable ballot log: a leaf appended on every cast, a signed head at close, the export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from coopfed.context import AppContext
from coopfed.worker import ProposalClock
from federation import keys
from federation.multikey import ed25519_from_multibase
from governance import member as members
from governance import merkle
from governance.ballot import cast as ballots
from governance.ballot import head as ballot_head
from governance.ballot import log as ballot_log
from governance.clock import ManualClock
from governance.member import Member, Status
from governance.proposal import lifecycle
from governance.proposal.model import Proposal
from tests.integration.api.conftest import make_token
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.integration.web_support import add_member

API = "/api/v1"


async def vote(ctx: AppContext, proposal_id: int, member_id: int, choice: dict[str, Any]) -> str:
    async with ctx.session() as db:
        actor = await members.get(db, member_id)
        done = await ballots.cast(db, proposal_id, actor, choice, now=ctx.clock.now())
        await db.commit()
        return done.receipt


async def closed_roll_call(ctx: AppContext, clock: ManualClock) -> tuple[list[Member], Proposal]:
    """Four members; three vote, one changes their vote; the worker closes and signs."""
    people = await coop_with_members(ctx, 4)
    proposal = await open_proposal(ctx, people[0])
    await vote(ctx, proposal.id, people[0].id, {"vote": "yes"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    await vote(ctx, proposal.id, people[2].id, {"vote": "yes"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "yes"})  # changed
    clock.advance(timedelta(hours=73))
    await ProposalClock().run_once(ctx)
    return people, proposal


async def audit_export(client: AsyncClient, ctx: AppContext, who: Member, proposal_id: int) -> Any:
    token = await make_token(ctx, who)
    response = await client.get(
        f"{API}/proposals/{proposal_id}/audit", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_cast__appends_a_leaf_and_a_changed_vote_supersedes(
    ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 3)
    proposal = await open_proposal(ctx, people[0])
    receipt = await vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    async with ctx.session() as db:
        entries = await ballot_log.entries(db, proposal.id)
    assert [e.position for e in entries] == [0, 1]
    first, second = (e.leaf for e in entries)
    assert first["kind"] == "roll_call" and first["voter"] == people[1].id
    assert first["choice"] == {"vote": "no"} and second["choice"] == {"vote": "yes"}
    assert first["receipt"] != second["receipt"]
    assert entries[0].leaf_hash == merkle.object_leaf_hash(first).hex()
    assert ballot_log.counted([first, second]) == {f"voter:{people[1].id}": second}
    assert receipt  # the receipt itself never reaches the log, only its digest
    assert receipt not in str(first)


async def test_secret_leaf__carries_only_choice_slot_and_receipt_hash(
    ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 3)
    applicant = await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")
    proposal = await open_proposal(
        ctx, people[0], kind="member_admission", title="Admit", subject_member_id=applicant.id
    )
    await vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    await vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    async with ctx.session() as db:
        entries = await ballot_log.entries(db, proposal.id)
    leaves = [e.leaf for e in entries]
    assert {tuple(sorted(leaf)) for leaf in leaves} == {
        ("choice", "class", "kind", "proposal", "receipt", "slot", "weight")
    }
    assert leaves[0]["slot"] == leaves[1]["slot"]
    assert str(people[1].id) not in (leaves[0]["slot"],)
    assert list(ballot_log.counted(leaves).values()) == [leaves[1]]


async def test_close__seals_a_head_signed_by_the_instance_key(
    ctx: AppContext, clock: ManualClock
) -> None:
    _, proposal = await closed_roll_call(ctx, clock)
    async with ctx.session() as db:
        head = await ballot_head.head_of(db, proposal.id)
        entries = await ballot_log.entries(db, proposal.id)
        stored = await db.scalar(select(Proposal).where(Proposal.id == proposal.id))
        instance = (await keys.current(db, keys.INSTANCE_ACTOR))[keys.KeyType.ED25519]
    assert head is not None and stored is not None and head.signature
    assert head.size == 4
    assert head.root == ballot_log.tree(entries).root().hex()
    assert head.result_digest == ballot_head.result_digest(stored.result)
    public = ed25519_from_multibase(head.public_key_multibase or "")
    public.verify(ballot_head.b64url_decode(head.signature), ballot_head.signed_bytes(head.head()))
    assert head.public_key_multibase and instance.public_pem


async def test_close_without_a_signer__stores_an_unsigned_head(
    ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 2)
    proposal = await open_proposal(ctx, people[0])
    clock.advance(timedelta(hours=73))
    async with ctx.session() as db:
        await lifecycle.close_due(db, now=clock.now())
        await db.commit()
        head = await ballot_head.head_of(db, proposal.id)
    assert head is not None and head.size == 0 and head.signature is None
    assert head.root == merkle.EMPTY_ROOT.hex()


async def test_audit_export__after_close_holds_leaves_counted_ballots_and_signed_head(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people, proposal = await closed_roll_call(ctx, clock)
    export = await audit_export(client, ctx, people[3], proposal.id)
    assert export["proposal"]["id"] == proposal.id
    assert len(export["leaves"]) == export["head"]["size"] == 4
    assert sorted(c["voter"] for c in export["counted"]) == [p.id for p in people[:3]]
    assert export["rules"]["method"] == "majority"
    assert export["result"]["totals"]["yes"] == "3"
    assert export["head"]["key_id"] == export["instance_key"]["id"]
    assert export["instance_key"]["multibase"].startswith("z")


async def test_audit_export__is_refused_before_close(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 2)
    proposal = await open_proposal(ctx, people[0])
    token = await make_token(ctx, people[1])
    response = await client.get(
        f"{API}/proposals/{proposal.id}/audit", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_closed"
