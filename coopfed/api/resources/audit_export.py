"""The audit export of a closed proposal: everything ``coopfed verify-tally`` needs.

One JSON document: the proposal, the tally rules, every ballot log leaf in order, the counted
ballots (with the class and weight each counts with), the stored result, the signed log head,
and the instance's published Ed25519 key.
"""

from __future__ import annotations

from dataclasses import asdict
from fractions import Fraction
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from coopfed.api.operation import Call, Operation
from coopfed.api.resources.proposals import admitted
from federation import keys
from federation.actor import COOP_NAME, LocalUrls
from federation.multikey import ed25519_multibase
from governance.ballot import head as ballot_head
from governance.ballot import log as ballot_log
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.errors import Conflict
from governance.i18n import N_
from governance.proposal import counting, service
from governance.proposal.model import ElectorateEntry, Proposal
from governance.tally.types import Rules

FORMAT = "coopfed-ballot-audit/1"


class AuditExportOut(BaseModel):
    """A closed proposal's verifiable ballot log (see ``coopfed verify-tally``)."""

    format: str
    proposal: dict[str, Any]
    rules: dict[str, Any] = Field(description="The tally rules; shares as 'p/q' fractions")
    leaves: list[dict[str, Any]] = Field(description="Every ballot log leaf, in log order")
    counted: list[dict[str, Any]] = Field(description="The counted ballots with class and weight")
    result: dict[str, Any]
    head: dict[str, Any] = Field(description="The log head and its Ed25519 signature")
    instance_key: dict[str, Any] | None = Field(
        description="The instance's Ed25519 key: its id and publicKeyMultibase"
    )


def _share(value: object) -> str | None:
    return None if value is None else str(Fraction(str(value)))


def rules_to_json(rules: Rules, *, secret: bool) -> dict[str, Any]:
    raw = asdict(rules)
    raw.update(
        method=rules.method.value,
        comparison=rules.comparison.value,
        quorum=_share(rules.quorum),
        threshold=_share(rules.threshold),
        options=list(rules.options),
        classes=[
            {
                "class_id": c.class_id,
                "eligible_weight": str(c.eligible_weight),
                "cap": _share(c.cap),
            }
            for c in rules.classes
        ],
        secret=secret,
    )
    return raw


async def _counted(db: AsyncSession, proposal: Proposal, secret: bool) -> list[dict[str, Any]]:
    if secret:
        sealed = await db.execute(
            select(
                SecretBallot.slot, SecretBallot.class_key, SecretBallot.weight, SecretBallot.choice
            )
            .where(SecretBallot.proposal_id == proposal.id)
            .order_by(SecretBallot.slot)
        )
        return [
            {"slot": slot, "class_id": class_key, "weight": str(weight), "choice": choice}
            for slot, class_key, weight, choice in sealed
        ]
    # Columns, not ORM objects: an export can hold a million ballots.
    rows = await db.execute(
        select(
            RollCallBallot.voter_id,
            ElectorateEntry.class_key,
            ElectorateEntry.weight,
            RollCallBallot.choice,
        )
        .join(
            ElectorateEntry,
            (ElectorateEntry.proposal_id == RollCallBallot.proposal_id)
            & (ElectorateEntry.member_id == RollCallBallot.voter_id),
        )
        .where(RollCallBallot.proposal_id == proposal.id)
        .order_by(RollCallBallot.voter_id)
    )
    return [
        {"voter": voter, "class_id": class_key, "weight": str(weight), "choice": choice}
        for voter, class_key, weight, choice in rows
    ]


async def instance_key(
    db: AsyncSession, base_url: str, signed_with: str | None
) -> dict[str, Any] | None:
    """The instance's Ed25519 key that signed the head (kept, retired, after a rotation), or
    its current one; ``None`` when it has none."""
    rows = (
        await db.scalars(
            select(keys.ActorKey)
            .where(
                keys.ActorKey.actor == keys.INSTANCE_ACTOR,
                keys.ActorKey.key_type == keys.KeyType.ED25519,
            )
            .order_by(keys.ActorKey.retired_at.is_not(None), keys.ActorKey.id.desc())
        )
    ).all()
    published = []
    for row in rows:
        public = serialization.load_pem_public_key(row.public_pem.encode())
        if isinstance(public, ed25519.Ed25519PublicKey):
            published.append((ed25519_multibase(public), row))
    if not published:
        return None
    multibase, row = next(((m, r) for m, r in published if m == signed_with), published[0])
    return {
        "id": LocalUrls.of(base_url).ed25519_key(COOP_NAME),
        "multibase": multibase,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
    }


async def audit_document(db: AsyncSession, proposal: Proposal, base_url: str) -> dict[str, Any]:
    """The export of a closed proposal (:class:`Conflict` until it has closed and been sealed);
    the API and the web page serve the same document."""
    head = await ballot_head.head_of(db, proposal.id)
    if proposal.closed_at is None or proposal.result is None or head is None:
        raise Conflict(
            N_("The audit export exists once the vote has closed (this proposal is %(status)s)."),
            code="not_closed",
            status=proposal.status.value,
        )
    secret = bool(proposal.rules.get("secret"))
    _, rules = await counting.tally_inputs(db, proposal)
    options = await service.options_of(db, proposal.id)
    return {
        "format": FORMAT,
        "proposal": {
            "id": proposal.id,
            "title": proposal.title,
            "kind": proposal.kind,
            "status": proposal.status.value,
            "options": [o.key for o in options],
            "closed_at": proposal.closed_at.isoformat(),
        },
        "rules": rules_to_json(rules, secret=secret),
        "leaves": await ballot_log.leaves(db, proposal.id),
        "counted": await _counted(db, proposal, secret),
        "result": proposal.result,
        "head": {**head.head(), "signature": head.signature, "key_id": head.key_id},
        "instance_key": await instance_key(db, base_url, head.public_key_multibase),
    }


async def get_audit(call: Call) -> Response:
    """The document as :class:`AuditExportOut` describes it, written in C by orjson without a
    pydantic copy: an export can hold a million leaves (hundreds of MiB)."""
    admitted(call)
    proposal = await service.get(call.db, call.path_int("proposal_id"))
    document = await audit_document(call.db, proposal, call.ctx.settings.effective_base_url)
    return Response(orjson.dumps(document), media_type="application/json")


operations = [
    Operation(
        "GET",
        "/proposals/{proposal_id:int}/audit",
        get_audit,
        "The verifiable ballot log of a closed proposal (409 until it closes)",
        "member",
        "proposals",
        response=AuditExportOut,
        errors=(404, 409),
    ),
]
