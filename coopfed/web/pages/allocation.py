"""Allocating the year's surplus (treasurers and admins): enter the surplus and each member's
hours and pay, see the preview by the bylaws' policy, then propose it to the members; and the
preview shown on an allocation proposal's page while members vote, with its outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.errors import http_status
from coopfed.web.forms import posted
from coopfed.web.pages.proposals import page, require_admitted
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance import member as members
from governance.errors import GovernanceError, InvalidInput
from governance.i18n import N_
from governance.ledger import access, books
from governance.ledger.allocation import AllocationPreview
from governance.ledger.surplus import figures
from governance.ledger.surplus import service as surplus
from governance.ledger.surplus.inputs import AllocationInputs, check_year, parse_amount
from governance.member import Member
from governance.proposal.model import Proposal

LEGAL_FORMS = {
    "fr_scop": N_("French SCOP (loi n° 78-763, art. 33)"),
    "us_worker_coop": N_("US worker co-op (Subchapter T)"),
    "custom": N_("Custom policy"),
}


@dataclass(frozen=True)
class AllocationView:
    """What a proposal page shows of an allocation: the frozen figures' preview, the outcome."""

    inputs: AllocationInputs
    preview: AllocationPreview
    enactment: Mapping[str, Any] | None
    names: Mapping[int, str]


async def allocation_view(db: AsyncSession, proposal: Proposal, me: Member) -> AllocationView | None:
    inputs = surplus.inputs_of(proposal)
    if inputs is None:
        return None
    rules = await books.rules(db)
    preview = surplus.visible_preview(inputs.allocate().preview(), me, rules)
    names = {m.id: m.display_name for m in await members.list_all(db)}
    return AllocationView(inputs, preview, proposal.enactment, names)


def _year(raw: str, default: int) -> int:
    text = raw.strip()
    if not text:
        return default
    if not text.isdigit():
        raise InvalidInput(N_("The fiscal year must be a year such as 2026."), code="bad_year")
    return check_year(int(text))


async def _page(
    request: Request,
    me: Member,
    *,
    form: Mapping[str, str] | None = None,
    shown: AllocationPreview | None = None,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    now = ctx_of(request).clock.now()
    rules = await books.rules(db)
    form = dict(form or {})
    policy: dict[str, Any] | None = None
    try:
        policy = await surplus.policy(db)
    except GovernanceError as exc:
        if error is None:
            error, params, status = exc.template, exc.params, http_status(exc)
    try:
        year = _year(form.get("fiscal_year", ""), now.year - 1)
    except GovernanceError:
        year = now.year - 1
    admitted = await surplus.admitted_members(db)
    suggestion = await surplus.suggested_surplus(db, year, rules.currency)
    if "surplus" not in form:
        form["surplus"] = format(suggestion.surplus, "f")
    if "figures" not in form:
        form["figures"] = figures.to_text(
            [(m.username, Decimal(0), Decimal(0), None) for m in admitted]
        )
    capital = {
        m.id: await surplus.share_capital(db, m.id, rules.currency) for m in admitted
    }
    return await page(
        request,
        "ledger/allocation.html",
        {
            "rules": rules,
            "policy": policy,
            "legal_form": LEGAL_FORMS.get(str((policy or {}).get("legal_form")), ""),
            "year": year,
            "year_closed": suggestion.year_closed,
            "form": form,
            "admitted": admitted,
            "capital": capital,
            "shown": shown,
            "names": {m.id: m.display_name for m in await members.list_all(db)},
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


async def allocation_form(request: Request) -> Response:
    me = await require_admitted(request)
    access.require_bookkeeper(me)
    year = request.query_params.get("fiscal_year", "").strip()
    return await _page(request, me, form={"fiscal_year": year} if year else None)


async def allocation_post(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    now = ctx_of(request).clock.now()
    shown: AllocationPreview | None = None
    try:
        keeper = access.require_bookkeeper(me)
        lines = figures.parse_lines(form.get("figures"))
        inputs = await surplus.prepare(
            db,
            fiscal_year=_year(form.get("fiscal_year"), now.year - 1),
            surplus=parse_amount(form.stripped("surplus"), "surplus"),
            members=await figures.resolve(db, lines),
            now=now,
        )
        shown = inputs.allocate().preview()
        if form.stripped("action") == "propose":
            proposal = await surplus.propose(
                db, keeper, inputs, title=form.stripped("title"), body=form.get("body"), now=now
            )
            await db.commit()
            return redirect(request, f"/proposals/{proposal.id}", notice="proposal_saved")
        await db.rollback()  # a preview keeps nothing
    except GovernanceError as exc:
        await db.rollback()
        return await _page(
            request, me, form=form.values, error=exc.template, params=exc.params,
            status=http_status(exc),
        )
    return await _page(request, me, form=form.values, shown=shown)


routes = [
    Route("/ledger/allocation", allocation_form, methods=["GET"]),
    Route("/ledger/allocation", allocation_post, methods=["POST"]),
]
