"""Checking a ballot receipt: is the ballot counted, and its inclusion proof in the ballot log;
and, after close, downloading the audit export that ``coopfed verify-tally`` checks.

The server recomputes the proof and, after close, verifies the signed log head; the page says
what that shows and, before close, what cannot be checked yet. A small script
(``/static/receipt-proof.js``) then recomputes the leaf hash and the root in the browser
(WebCrypto SHA-256), so a member need not take the server's word for it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.api.resources.audit_export import audit_document
from coopfed.receipt_proof import proof_to_json
from coopfed.web.forms import posted
from coopfed.web.pages.proposal_vote import choice_view
from coopfed.web.pages.proposals import page, require_admitted, visible_proposal
from coopfed.web.viewer import ctx_of, db_of
from governance.ballot import cast as ballots
from governance.ballot import inclusion
from governance.proposal import service


async def receipt_page(request: Request) -> Response:
    me = await require_admitted(request)
    proposal = await visible_proposal(request, me)
    return await page(
        request,
        "proposals/receipt.html",
        {"proposal": proposal, "check": None, "proof": None, "code": ""},
    )


async def receipt_check(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    proposal = await visible_proposal(request, me)
    code = form.stripped("receipt")
    check = await ballots.check_receipt(db, proposal.id, code) if code else None
    proof = await inclusion.prove_receipt(db, proposal.id, code) if code else None
    labels = {o.key: o.label for o in await service.options_of(db, proposal.id)}
    return await page(
        request,
        "proposals/receipt.html",
        {
            "proposal": proposal,
            "check": check,
            "code": code,
            "choice": choice_view(check.choice, labels) if check and check.choice else None,
            "proof": None if proof is None else proof_to_json(proof),
        },
    )


async def audit_download(request: Request) -> Response:
    """The audit export as a JSON download (the same document as ``GET /api/v1/…/audit``)."""
    me = await require_admitted(request)
    proposal = await visible_proposal(request, me)
    document = await audit_document(
        db_of(request), proposal, ctx_of(request).settings.effective_base_url
    )
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": f'attachment; filename="proposal-{proposal.id}-audit.json"'
        },
    )


routes = [
    Route("/proposals/{proposal_id:int}/audit.json", audit_download, methods=["GET"]),
    Route("/proposals/{proposal_id:int}/receipt", receipt_page, methods=["GET"]),
    Route("/proposals/{proposal_id:int}/receipt", receipt_check, methods=["POST"]),
]
