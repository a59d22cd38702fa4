"""Builders and checks shared by the governance API tests (proposals, ballots, proxies, bylaws).

No tests here. State is built through the governance services (``coop_with_members``), then
driven through the API; the worker is stepped by hand with ``Worker(ctx).run_once()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from coopfed.context import AppContext
from coopfed.worker import Worker
from governance import member as members
from governance import membership_class
from governance.ballot.log import BallotLogEntry
from governance.ballot.model import RollCallBallot, SecretBallot, VoterRecord
from governance.bylaws.store import BylawsVersion
from governance.comment import Comment
from governance.notification import Notification
from governance.proposal.model import ElectorateEntry, Proposal, ProposalOption
from governance.proxy import Proxy
from tests.integration.api.conftest import API, Caller, make_token, snapshot
from tests.integration.governance_support import coop_with_members

HOUR = timedelta(hours=1)


async def coop(ctx: AppContext, count: int, preset: str = "worker_coop") -> list[Caller]:
    """A co-op with ``preset`` bylaws and ``count`` admitted members with tokens (the first
    is an admin)."""
    people = await coop_with_members(ctx, count, preset)
    return [Caller(p, await make_token(ctx, p)) for p in people]


async def put_in_class(ctx: AppContext, who: Caller, slug: str) -> None:
    async with ctx.session() as db:
        target = await members.get(db, who.id)
        found = await membership_class.by_slug(db, slug)
        await membership_class.assign(db, target, found.id, by=None, now=ctx.clock.now())
        await db.commit()


async def run_worker(ctx: AppContext) -> dict[str, int]:
    done = await Worker(ctx).run_once()
    assert all(n >= 0 for n in done.values()), done
    return done


def iso(when: datetime) -> str:
    return when.isoformat()


async def draft(client: AsyncClient, who: Caller, **fields: Any) -> dict[str, Any]:
    body = {"kind": "ordinary", "title": "Buy a coffee machine", **fields}
    response = await client.post(f"{API}/proposals", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def schedule(
    client: AsyncClient, who: Caller, proposal_id: int, opens_at: datetime, closes_at: datetime
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/proposals/{proposal_id}/schedule",
        json={"opens_at": iso(opens_at), "closes_at": iso(closes_at)},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    scheduled: dict[str, Any] = response.json()
    return scheduled


async def open_via_api(
    client: AsyncClient, ctx: AppContext, who: Caller, *, hours: int = 72, **fields: Any
) -> dict[str, Any]:
    """Draft through the API, schedule to open now and close in ``hours``, step the worker."""
    created = await draft(client, who, **fields)
    now = ctx.clock.now()
    await schedule(client, who, created["id"], now, now + hours * HOUR)
    await run_worker(ctx)
    response = await client.get(f"{API}/proposals/{created['id']}", headers=who.headers)
    opened: dict[str, Any] = response.json()
    assert opened["status"] == "open", opened
    return opened


async def vote(
    client: AsyncClient, who: Caller, proposal_id: int, choice: dict[str, Any], **extra: Any
) -> Any:
    return await client.post(
        f"{API}/proposals/{proposal_id}/ballots",
        json={"choice": choice, **extra},
        headers=who.headers,
    )


async def governance_snapshot(ctx: AppContext) -> dict[str, Any]:
    """Everything a governance call could change (plus the shared snapshot), to prove that a
    refused call stored nothing."""
    tables: dict[str, Any] = {
        "proposals": (
            Proposal,
            lambda p: (
                p.id, p.status.value, p.title, p.body_md, p.opens_at, p.closes_at, p.public,
                p.subject_member_id, p.outcome_statement, p.result, p.rules,
            ),
        ),
        "options": (ProposalOption, lambda o: (o.id, o.proposal_id, o.key, o.label)),
        "electorate": (ElectorateEntry, lambda e: (e.proposal_id, e.member_id, str(e.weight))),
        "ballots": (
            RollCallBallot,
            lambda b: (
                b.proposal_id, b.voter_id, b.cast_by_id, b.choice, b.reason, b.receipt_digest,
                b.cast_at,
            ),
        ),
        "secret_ballots": (
            SecretBallot, lambda b: (b.id, b.slot, b.choice, b.reason, b.receipt_digest)
        ),
        "voter_records": (VoterRecord, lambda r: (r.proposal_id, r.voter_id, r.cast_by_id)),
        "ballot_log": (BallotLogEntry, lambda e: (e.proposal_id, e.position, e.leaf_hash)),
        "proxies": (Proxy, lambda p: (p.id, p.giver_id, p.holder_id, p.proposal_id, p.revoked_at)),
        "comments": (Comment, lambda c: (c.id, c.proposal_id, c.author_id, c.body_md)),
        "notifications": (Notification, lambda n: (n.id, n.member_id, n.kind, n.read_at)),
        "bylaws": (BylawsVersion, lambda v: (v.version, v.document)),
    }
    state = await snapshot(ctx)
    async with ctx.session() as db:
        for name, (model, row) in tables.items():
            found = (await db.scalars(select(model))).all()
            state[name] = sorted((row(item) for item in found), key=repr)
    return state
