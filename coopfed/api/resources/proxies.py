"""Proxies: give your vote to another member for one proposal or standing, and take it back."""

from __future__ import annotations

from coopfed.api.governance_schemas import ProxiesOut, ProxyIn, ProxyOut
from coopfed.api.operation import Call, Operation
from coopfed.api.resources.proposals import admitted
from governance import proxy
from governance.proposal import service


async def list_proxies(call: Call) -> ProxiesOut:
    me = admitted(call)
    return ProxiesOut(
        given=[ProxyOut.of(p) for p in await proxy.given_by(call.db, me.id)],
        held=[ProxyOut.of(p) for p in await proxy.held_by(call.db, me.id)],
    )


async def give_proxy(call: Call) -> ProxyOut:
    body: ProxyIn = call.body
    giver = admitted(call)
    proposal = None
    if body.proposal_id is not None:
        proposal = await service.get(call.db, body.proposal_id)
    given = await proxy.give(
        call.db, giver, body.holder_id, proposal=proposal, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return ProxyOut.of(given)


async def revoke_proxy(call: Call) -> None:
    await proxy.revoke(
        call.db, admitted(call), call.path_int("proxy_id"), now=call.ctx.clock.now()
    )
    await call.db.commit()


operations = [
    Operation(
        "GET",
        "/proxies",
        list_proxies,
        "Proxies you gave and proxies you hold",
        "member",
        "proxies",
        response=ProxiesOut,
    ),
    Operation(
        "POST",
        "/proxies",
        give_proxy,
        "Give a proxy (replaces your earlier one for the same proposal, or standing)",
        "member",
        "proxies",
        body=ProxyIn,
        response=ProxyOut,
        status=201,
        errors=(404, 409),
    ),
    Operation(
        "DELETE",
        "/proxies/{proxy_id:int}",
        revoke_proxy,
        "Take back a proxy you gave",
        "member",
        "proxies",
        status=204,
        errors=(404,),
    ),
]
