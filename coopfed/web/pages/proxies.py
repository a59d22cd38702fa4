"""Proxies: give another member your vote for one proposal or a standing proxy, see the proxies
you gave and hold, revoke yours."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.errors import refused
from coopfed.web.forms import posted
from coopfed.web.pages.proposals import page, require_admitted
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance import member as members
from governance import proxy
from governance.errors import GovernanceError, InvalidInput
from governance.i18n import N_
from governance.member import Member, Status
from governance.proposal import service
from governance.proposal.model import ProposalStatus

NO_HOLDER = N_("Choose the member who will hold your proxy.")


async def _page(
    request: Request,
    me: Member,
    *,
    form: Mapping[str, str] | None = None,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    everyone = await members.list_all(db)
    names = {m.id: m.display_name for m in everyone}
    proposals = {
        p.id: p for p in await service.listing(db, {ProposalStatus.SCHEDULED, ProposalStatus.OPEN})
    }
    titles = {p.id: p.title for p in proposals.values()}
    for held in [*await proxy.given_by(db, me.id), *await proxy.held_by(db, me.id)]:
        if held.proposal_id is not None and held.proposal_id not in titles:
            titles[held.proposal_id] = (await service.get(db, held.proposal_id)).title
    return await page(
        request,
        "proxies.html",
        {
            "holders": [m for m in everyone if m.status is Status.MEMBER and m.id != me.id],
            "proposals": [p for p in proposals.values() if p.rules.get("proxies_allowed")],
            "given": await proxy.given_by(db, me.id),
            "held": await proxy.held_by(db, me.id),
            "names": names,
            "titles": titles,
            "form": form or {},
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


async def proxy_list(request: Request) -> Response:
    me = await require_admitted(request)
    return await _page(request, me)


async def proxy_give(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    holder, scope = form.stripped("holder_id"), form.stripped("proposal_id")
    try:
        if not holder.isdigit():
            raise InvalidInput(NO_HOLDER, code="no_holder")
        await proxy.give(
            db,
            await members.get(db, me.id),
            int(holder),
            proposal=await service.get(db, int(scope)) if scope.isdigit() else None,
            now=ctx_of(request).clock.now(),
        )
        await db.commit()
    except GovernanceError as exc:
        return await refused(request, exc, _page, me=me, form=form.values)
    return redirect(request, "/proxies", notice="proxy_given")


async def proxy_revoke(request: Request) -> Response:
    me = await require_admitted(request)
    await posted(request)
    db = db_of(request)
    try:
        await proxy.revoke(
            db,
            await members.get(db, me.id),
            int(request.path_params["proxy_id"]),
            now=ctx_of(request).clock.now(),
        )
        await db.commit()
    except GovernanceError as exc:
        return await refused(request, exc, _page, me=me)
    return redirect(request, "/proxies", notice="proxy_revoked")


routes = [
    Route("/proxies", proxy_list, methods=["GET"]),
    Route("/proxies", proxy_give, methods=["POST"]),
    Route("/proxies/{proxy_id:int}/revoke", proxy_revoke, methods=["POST"]),
]
