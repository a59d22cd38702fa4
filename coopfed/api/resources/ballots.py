"""Ballots: cast or change one's own (or a proxy giver's), see one's own, check a receipt,
and after close read the roll call. Results stay hidden until close; turnout does not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from coopfed.api.errors import ApiError
from coopfed.api.governance_schemas import (
    BallotCastOut,
    BallotIn,
    BallotOut,
    BallotsOut,
    InclusionProofOut,
    MyBallotOut,
    ReceiptIn,
    ReceiptOut,
    TurnoutOut,
)
from coopfed.api.operation import Call, Operation
from coopfed.api.resources.proposals import ONE, admitted, turnout_of
from coopfed.receipt_proof import proof_to_json
from governance.ballot import cast as ballots
from governance.ballot import inclusion
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.errors import Conflict
from governance.i18n import N_
from governance.member import Member
from governance.proposal import service

NO_TURNOUT = TurnoutOut(voters=0, electorate=0, share="0")


async def cast_ballot(call: Call) -> BallotCastOut:
    body: BallotIn = call.body
    cast = await ballots.cast(
        call.db,
        call.path_int("proposal_id"),
        admitted(call),
        body.choice,
        now=call.ctx.clock.now(),
        reason=body.reason,
        on_behalf_of=body.on_behalf_of,
    )
    await call.db.commit()
    return BallotCastOut(
        proposal_id=cast.proposal_id,
        voter_id=cast.voter_id,
        cast_by_id=cast.cast_by_id,
        secret=cast.secret,
        cast_at=cast.at,
        receipt=cast.receipt,
    )


async def list_ballots(call: Call) -> BallotsOut:
    admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    view = call.request.query_params.get("view")
    if view not in (None, "turnout"):
        raise ApiError(
            422,
            "invalid_input",
            "view: the only view is 'turnout'.",
            [{"field": "view", "problem": "not 'turnout'"}],
        )
    secret = bool(proposal.rules.get("secret"))
    out = BallotsOut(
        proposal_id=proposal.id,
        secret=secret,
        turnout=await turnout_of(call.db, proposal) or NO_TURNOUT,
    )
    if view == "turnout":
        return out
    if proposal.closed_at is None:
        raise Conflict(
            N_(
                "Results stay hidden until close (this proposal is %(status)s); "
                "?view=turnout shows how many have voted."
            ),
            code="results_hidden",
            status=proposal.status.value,
        )
    if secret:
        out.count = await call.db.scalar(
            select(func.count()).select_from(SecretBallot).where(
                SecretBallot.proposal_id == proposal.id
            )
        )
        return out
    rows = await call.db.execute(
        select(RollCallBallot, Member.username)
        .join(Member, Member.id == RollCallBallot.voter_id)
        .where(RollCallBallot.proposal_id == proposal.id)
        .order_by(RollCallBallot.voter_id)
    )
    out.ballots = [
        BallotOut(
            voter_id=ballot.voter_id,
            voter=username,
            cast_by_id=ballot.cast_by_id,
            choice=ballot.choice,
            reason=ballot.reason,
            cast_at=ballot.cast_at,
        )
        for ballot, username in rows
    ]
    out.count = len(out.ballots)
    return out


async def my_ballot(call: Call) -> dict[str, Any]:
    me = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    if proposal.rules.get("secret"):
        # Nobody, the voter included, can read a secret choice back from the server.
        mine = MyBallotOut(voted=await ballots.has_voted(call.db, proposal, me.id))
    else:
        own = await ballots.own_roll_call_ballot(call.db, proposal.id, me.id)
        mine = (
            MyBallotOut(voted=False)
            if own is None
            else MyBallotOut(
                voted=True,
                choice=own.choice,
                reason=own.reason,
                cast_by_id=own.cast_by_id,
                cast_at=own.cast_at,
            )
        )
    return mine.model_dump(mode="json", exclude_none=True)


async def check_receipt(call: Call) -> ReceiptOut:
    body: ReceiptIn = call.body
    admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    checked = await ballots.check_receipt(call.db, proposal.id, body.receipt)
    proof = await inclusion.prove_receipt(call.db, proposal.id, body.receipt)
    return ReceiptOut(
        found=checked.found,
        choice=checked.choice,
        proof=None if proof is None else InclusionProofOut.model_validate(proof_to_json(proof)),
    )


operations = [
    Operation(
        "POST",
        ONE + "/ballots",
        cast_ballot,
        "Cast or change your ballot (or, with on_behalf_of, a proxy giver's); "
        "returns the receipt once",
        "member",
        "ballots",
        body=BallotIn,
        response=BallotCastOut,
        status=201,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        ONE + "/ballots",
        list_ballots,
        "After close: the roll call (secret votes: the count only); before: 409, "
        "except ?view=turnout",
        "member",
        "ballots",
        response=BallotsOut,
        errors=(404, 409, 422),
    ),
    Operation(
        "GET",
        ONE + "/ballots/mine",
        my_ballot,
        "Your current ballot (secret votes: only whether you voted)",
        "member",
        "ballots",
        response=MyBallotOut,
        errors=(404,),
    ),
    Operation(
        "POST",
        ONE + "/receipt",
        check_receipt,
        "Check that the ballot with this receipt is counted; returns its RFC 9162 inclusion "
        "proof in the ballot log and, after close, the signed log head",
        "member",
        "ballots",
        body=ReceiptIn,
        response=ReceiptOut,
        errors=(404,),
    ),
]
