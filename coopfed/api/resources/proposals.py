"""Proposals: drafting, scheduling, withdrawing, the outcome and the result, and the
discussion thread. Only admitted members take part."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.api.errors import ApiError
from coopfed.api.governance_schemas import (
    CommentIn,
    CommentOut,
    OutcomeIn,
    ProposalIn,
    ProposalOut,
    ProposalPatchIn,
    ProposalSummaryOut,
    ResultOut,
    ScheduleIn,
    TurnoutOut,
)
from coopfed.api.operation import Call, Operation
from governance import comment
from governance.ballot import query as ballot_query
from governance.errors import Conflict, Forbidden
from governance.i18n import N_
from governance.member import Member, Status
from governance.proposal import service
from governance.proposal.model import Proposal
from governance.proposal.service import STATUS_FILTERS


def admitted(call: Call) -> Member:
    """The caller, who must be an admitted member (applicants only read the bylaws)."""
    caller = call.caller
    if caller.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members take part in decisions."), code="not_member")
    return caller


async def turnout_of(db: AsyncSession, proposal: Proposal) -> TurnoutOut | None:
    """The head-count turnout as the API shows it; None before voting opened."""
    counted = await ballot_query.turnout(db, proposal)
    return TurnoutOut.of(counted) if counted is not None else None


async def proposal_out(db: AsyncSession, proposal: Proposal) -> ProposalOut:
    options = await service.options_of(db, proposal.id)
    return ProposalOut.build(proposal, options, await turnout_of(db, proposal))


async def list_proposals(call: Call) -> list[ProposalSummaryOut]:
    admitted(call)
    raw = call.request.query_params.get("status")
    statuses = None
    if raw is not None:
        if raw not in STATUS_FILTERS:
            allowed = ", ".join(STATUS_FILTERS)
            raise ApiError(
                422,
                "invalid_input",
                f"status: use one of {allowed}.",
                [{"field": "status", "problem": f"not one of {allowed}"}],
            )
        statuses = set(STATUS_FILTERS[raw])
    found = await service.listing(call.db, statuses)
    return [ProposalSummaryOut.of(p) for p in found]


async def create_proposal(call: Call) -> ProposalOut:
    body: ProposalIn = call.body
    draft = service.Draft(
        kind=body.kind,
        title=body.title,
        body=body.body,
        options=tuple(body.options),
        subject_member_id=body.subject_member_id,
        proposed_bylaws=body.proposed_bylaws,
        public=body.public,
    )
    proposal = await service.create(call.db, admitted(call), draft, now=call.ctx.clock.now())
    await call.db.commit()
    return await proposal_out(call.db, proposal)


async def get_proposal(call: Call) -> ProposalOut:
    admitted(call)
    return await proposal_out(call.db, await service.get(call.db, call.path_int("proposal_id")))


async def update_proposal(call: Call) -> ProposalOut:
    body: ProposalPatchIn = call.body
    actor = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    sent = body.model_fields_set
    labels = tuple(o.label for o in await service.options_of(call.db, proposal.id))
    draft = service.Draft(
        kind=proposal.kind,
        title=body.title if body.title is not None else proposal.title,
        body=body.body if body.body is not None else proposal.body_md,
        options=tuple(body.options) if body.options is not None else labels,
        subject_member_id=(
            body.subject_member_id if "subject_member_id" in sent else proposal.subject_member_id
        ),
        proposed_bylaws=(
            body.proposed_bylaws if "proposed_bylaws" in sent else proposal.proposed_bylaws
        ),
        public=body.public if body.public is not None else proposal.public,
    )
    await service.update(call.db, proposal, actor, draft, now=call.ctx.clock.now())
    await call.db.commit()
    return await proposal_out(call.db, proposal)


async def schedule_proposal(call: Call) -> ProposalOut:
    body: ScheduleIn = call.body
    actor = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    await service.schedule(
        call.db,
        proposal,
        actor,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        now=call.ctx.clock.now(),
    )
    await call.db.commit()
    return await proposal_out(call.db, proposal)


async def withdraw_proposal(call: Call) -> ProposalOut:
    actor = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    await service.withdraw(call.db, proposal, actor, now=call.ctx.clock.now())
    await call.db.commit()
    return await proposal_out(call.db, proposal)


async def write_outcome(call: Call) -> ProposalOut:
    body: OutcomeIn = call.body
    actor = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    await service.write_outcome(
        call.db, proposal, actor, body.statement, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return await proposal_out(call.db, proposal)


async def get_result(call: Call) -> ResultOut:
    admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    if proposal.closed_at is None or proposal.result is None:
        raise Conflict(
            N_("Results stay hidden until close (this proposal is %(status)s)."),
            code="results_hidden",
            status=proposal.status.value,
        )
    return ResultOut.of(proposal, proposal.result)


async def list_comments(call: Call) -> list[CommentOut]:
    admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    return [CommentOut.of(c) for c in await comment.thread(call.db, proposal.id)]


async def add_comment(call: Call) -> CommentOut:
    body: CommentIn = call.body
    author = admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    added = await comment.add(call.db, proposal, author, body.body, now=call.ctx.clock.now())
    await call.db.commit()
    return CommentOut.of(added)


ONE = "/proposals/{proposal_id:int}"

operations = [
    Operation(
        "GET",
        "/proposals",
        list_proposals,
        "Proposals, newest first (?status=draft|scheduled|open|closed|withdrawn)",
        "member",
        "proposals",
        response=list[ProposalSummaryOut],
        errors=(422,),
    ),
    Operation(
        "POST",
        "/proposals",
        create_proposal,
        "Draft a proposal of a kind the bylaws define",
        "member",
        "proposals",
        body=ProposalIn,
        response=ProposalOut,
        status=201,
        errors=(404,),
    ),
    Operation(
        "GET",
        ONE,
        get_proposal,
        "One proposal, with its rules, options and turnout so far",
        "member",
        "proposals",
        response=ProposalOut,
        errors=(404,),
    ),
    Operation(
        "PATCH",
        ONE,
        update_proposal,
        "Change a draft or scheduled proposal (author or admin; 409 once voting opens)",
        "member",
        "proposals",
        body=ProposalPatchIn,
        response=ProposalOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        ONE + "/schedule",
        schedule_proposal,
        "Schedule a draft's vote within the bylaws' notice and voting periods",
        "member",
        "proposals",
        body=ScheduleIn,
        response=ProposalOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        ONE + "/withdraw",
        withdraw_proposal,
        "Withdraw a draft or scheduled proposal",
        "member",
        "proposals",
        response=ProposalOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        ONE + "/outcome",
        write_outcome,
        "Write the outcome statement after the vote closes",
        "member",
        "proposals",
        body=OutcomeIn,
        response=ProposalOut,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        ONE + "/result",
        get_result,
        "The counted result (409 until the vote closes)",
        "member",
        "proposals",
        response=ResultOut,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        ONE + "/comments",
        list_comments,
        "The discussion, oldest first",
        "member",
        "proposals",
        response=list[CommentOut],
        errors=(404,),
    ),
    Operation(
        "POST",
        ONE + "/comments",
        add_comment,
        "Comment (until the vote closes)",
        "member",
        "proposals",
        body=CommentIn,
        response=CommentOut,
        status=201,
        errors=(404, 409),
    ),
]
