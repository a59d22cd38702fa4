"""Surplus allocation: a draft to start from, a preview, a proposal that freezes the figures
(treasurers and admins), and an allocation proposal's preview and outcome for members.

Bad figures answer 422 with the allocation's code (``allocation_no_surplus``,
``allocation_unknown_member``, ``allocation_policy_unlawful`` …); nothing is written.
"""

from __future__ import annotations

from typing import Any

from coopfed.api.allocation_schemas import (
    AllocationDraftOut,
    AllocationIn,
    AllocationInputsOut,
    AllocationOut,
    AllocationPreviewOut,
    AllocationProposalIn,
    EnactmentOut,
    MemberFiguresOut,
    PreviewOut,
)
from coopfed.api.errors import ApiError
from coopfed.api.operation import Call, Handler, Operation
from governance.errors import NotFound
from governance.i18n import N_
from governance.ledger import access, books
from governance.ledger.commodity import plain
from governance.ledger.surplus import service as surplus
from governance.ledger.surplus.inputs import AllocationInputs, check_year, parse_amount
from governance.proposal import service as proposals


async def _prepare(call: Call, body: AllocationIn) -> AllocationInputs:
    return await surplus.prepare(
        call.db,
        fiscal_year=check_year(body.fiscal_year),
        surplus=parse_amount(body.surplus, "surplus"),
        members=surplus.parse_figures([m.model_dump() for m in body.members]),
        now=call.ctx.clock.now(),
    )


async def draft_allocation(call: Call) -> AllocationDraftOut:
    access.require_bookkeeper(call.member)
    now = call.ctx.clock.now()
    raw = call.request.query_params.get("fiscal_year", "")
    if raw and not raw.isdigit():
        raise ApiError(422, "invalid_input", "fiscal_year: must be a year such as 2026")
    year = check_year(int(raw) if raw else now.year - 1)
    policy = await surplus.policy(call.db)
    rules = await books.rules(call.db)
    suggestion = await surplus.suggested_surplus(call.db, year, rules.currency)
    return AllocationDraftOut(
        fiscal_year=year,
        commodity=rules.currency,
        suggested_surplus=plain(suggestion.surplus),
        year_closed=suggestion.year_closed,
        policy=policy,
        members=[
            MemberFiguresOut(
                member_id=m.id,
                hours="0",
                pay="0",
                capital=plain(await surplus.share_capital(call.db, m.id, rules.currency)),
            )
            for m in await surplus.admitted_members(call.db)
        ],
    )


async def preview_allocation(call: Call) -> AllocationPreviewOut:
    access.require_bookkeeper(call.member)
    inputs = await _prepare(call, call.body)
    await call.db.rollback()  # a preview keeps nothing (not even the books opened for it)
    return AllocationPreviewOut(
        inputs=AllocationInputsOut.of(inputs), preview=PreviewOut.of(inputs.allocate().preview())
    )


async def propose_allocation(call: Call) -> AllocationOut:
    keeper = access.require_bookkeeper(call.member)
    body: AllocationProposalIn = call.body
    inputs = await _prepare(call, body)
    proposal = await surplus.propose(
        call.db, keeper, inputs, title=body.title, body=body.body, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return await _allocation_out(call, proposal.id)


async def _allocation_out(call: Call, proposal_id: int) -> AllocationOut:
    reader = access.require_reader(call.member)
    proposal = await proposals.get(call.db, proposal_id)
    inputs = surplus.inputs_of(proposal)
    if inputs is None:
        raise NotFound(
            N_("Proposal %(id)s is not a surplus allocation."),
            code="not_an_allocation",
            id=proposal_id,
        )
    rules = await books.rules(call.db)
    preview = surplus.visible_preview(inputs.allocate().preview(), reader, rules)
    figures = inputs.to_json()
    figures["members"] = [
        m for m in figures["members"] if access.may_see_member(reader, m["member_id"], rules)
    ]
    enactment: dict[str, Any] | None = proposal.enactment
    return AllocationOut(
        proposal_id=proposal.id,
        status=proposal.status.value,
        inputs=AllocationInputsOut.model_validate(figures),
        preview=PreviewOut.of(preview),
        enactment=None
        if enactment is None
        else EnactmentOut(
            ok=bool(enactment.get("ok")),
            transaction_seq=enactment.get("transaction_seq"),
            code=enactment.get("code"),
            message=enactment.get("message"),
        ),
    )


async def get_allocation(call: Call) -> AllocationOut:
    return await _allocation_out(call, call.path_int("proposal_id"))


def _op(method: str, path: str, handler: Handler, summary: str, **kwargs: Any) -> Operation:
    return Operation(
        method, "/ledger/allocations" + path, handler, summary, "member", "ledger", **kwargs
    )


operations = [
    _op(
        "GET",
        "/draft",
        draft_allocation,
        "A starting point for an allocation (?fiscal_year=YYYY, default last year): the "
        "bylaws' policy, the year's income less expenses, every member with their share "
        "capital (treasurers and admins)",
        response=AllocationDraftOut,
        errors=(422,),
    ),
    _op(
        "POST",
        "/preview",
        preview_allocation,
        "Preview an allocation of the surplus by the bylaws' policy: reserves, interest and "
        "patronage per member, in cash and capital credit; 422 with the allocation's code for "
        "bad figures (treasurers and admins)",
        body=AllocationIn,
        response=AllocationPreviewOut,
    ),
    _op(
        "POST",
        "",
        propose_allocation,
        "Propose an allocation: a draft proposal of the bylaws' allocate_surplus kind that "
        "freezes the figures and is posted to the books when it passes (treasurers and admins)",
        body=AllocationProposalIn,
        response=AllocationOut,
        status=201,
    ),
    _op(
        "GET",
        "/{proposal_id:int}",
        get_allocation,
        "An allocation proposal's frozen figures, preview and, after pass, the posted "
        "transaction or why posting was refused (only your own row when details are private)",
        response=AllocationOut,
        errors=(404,),
    ),
]
