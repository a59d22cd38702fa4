"""A voter's receipt gives an RFC 9162 inclusion proof of their ballot; after close, against
the log head the instance signed with the key its co-op actor document publishes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from coopfed.context import AppContext
from coopfed.worker import ProposalClock
from federation.multikey import ed25519_from_multibase
from governance import merkle
from governance.ballot import head as ballot_head
from governance.clock import ManualClock
from tests.integration.api.conftest import make_token
from tests.integration.governance_support import coop_with_members, open_proposal
from tests.integration.test_ballot_log import vote

API = "/api/v1"


async def check(client: AsyncClient, token: str, proposal_id: int, receipt: str) -> Any:
    response = await client.post(
        f"{API}/proposals/{proposal_id}/receipt",
        json={"receipt": receipt},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def root_from(proof: Any) -> str:
    leaf_hash = merkle.object_leaf_hash(proof["leaf"])
    assert leaf_hash.hex() == proof["leaf_hash"]
    return merkle.root_from_inclusion_proof(
        leaf_hash,
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(item) for item in proof["audit_path"]],
    ).hex()


async def test_receipt__before_close_proves_inclusion_in_the_unsigned_log(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 4)
    proposal = await open_proposal(ctx, people[0])
    receipts = [
        await vote(ctx, proposal.id, person.id, {"vote": "yes"}) for person in people[:3]
    ]
    token = await make_token(ctx, people[1])
    checked = await check(client, token, proposal.id, receipts[1])
    proof = checked["proof"]
    assert checked["found"] is True
    assert (proof["leaf_index"], proof["tree_size"]) == (1, 3)
    assert proof["leaf"]["voter"] == people[1].id and proof["counted"] is True
    assert proof["proof_verified"] is True
    assert proof["signed_head"] is None and proof["signature_verified"] is None
    assert root_from(proof) == proof["root"]


async def test_receipt__after_close_proves_inclusion_under_the_published_signed_head(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 4)
    proposal = await open_proposal(ctx, people[0])
    old = await vote(ctx, proposal.id, people[1].id, {"vote": "no"})
    for person in people[:3]:
        await vote(ctx, proposal.id, person.id, {"vote": "yes"})
    current = await vote(ctx, proposal.id, people[2].id, {"vote": "no"})
    clock.advance(timedelta(hours=73))
    await ProposalClock().run_once(ctx)
    token = await make_token(ctx, people[2])

    proof = (await check(client, token, proposal.id, current))["proof"]
    head = proof["signed_head"]
    assert (proof["leaf_index"], proof["tree_size"], head["size"]) == (4, 5, 5)
    assert proof["root"] == head["root"] == root_from(proof)
    assert proof["proof_verified"] is True and proof["signature_verified"] is True
    # The key that signed is the one the co-op's actor document publishes (FEP-521a).
    actor = (await client.get("/actors/coop", headers={"Accept": "application/activity+json"}))
    published = actor.json()["assertionMethod"][0]["publicKeyMultibase"]
    assert head["public_key_multibase"] == published
    document = ballot_head.head_document(
        head["proposal"], head["size"], head["root"], head["result_digest"]
    )
    ed25519_from_multibase(published).verify(
        ballot_head.b64url_decode(head["signature"]), ballot_head.signed_bytes(document)
    )

    # A superseded receipt still has its leaf in the log, but it is not counted.
    replaced = await check(client, token, proposal.id, old)
    assert replaced["found"] is False
    assert replaced["proof"]["counted"] is False and replaced["proof"]["leaf_index"] == 0
    assert root_from(replaced["proof"]) == head["root"]


async def test_receipt__unknown_code_has_no_proof(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    people = await coop_with_members(ctx, 2)
    proposal = await open_proposal(ctx, people[0])
    await vote(ctx, proposal.id, people[1].id, {"vote": "yes"})
    token = await make_token(ctx, people[1])
    assert await check(client, token, proposal.id, "not-a-receipt") == {
        "found": False,
        "choice": None,
        "proof": None,
    }
