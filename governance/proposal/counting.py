"""Counting a closed proposal: the stored ballots and the frozen electorate become a tally's
inputs, and the :class:`TallyResult` becomes JSON kept on the proposal."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.ballot import choice as choices
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.bylaws.document import parse_share
from governance.membership_class import MembershipClass
from governance.proposal.model import ElectorateEntry, Proposal, ProposalOption
from governance.tally import tally
from governance.tally.types import Ballot, ClassWeight, Comparison, Method, Rules, TallyResult

NO_CLASS = "-"


async def tally_inputs(session: AsyncSession, proposal: Proposal) -> tuple[list[Ballot], Rules]:
    rules = proposal.rules
    method = Method(rules["method"])
    electorate = list(
        (
            await session.scalars(
                select(ElectorateEntry).where(ElectorateEntry.proposal_id == proposal.id)
            )
        ).all()
    )
    eligible: dict[str, Decimal] = defaultdict(Decimal)
    for entry in electorate:
        eligible[entry.class_key] += entry.weight
    caps = {c.slug: c.weight_cap for c in (await session.scalars(select(MembershipClass))).all()}
    frozen_caps: dict[str, str | None] = rules.get("class_caps", {})
    classes = tuple(
        ClassWeight(
            class_id=key,
            eligible_weight=weight,
            cap=_cap(frozen_caps.get(key, caps.get(key))),
        )
        for key, weight in sorted(eligible.items())
    ) or (ClassWeight(NO_CLASS, Decimal(0)),)
    options = tuple(
        (
            await session.scalars(
                select(ProposalOption.key)
                .where(ProposalOption.proposal_id == proposal.id)
                .order_by(ProposalOption.position)
            )
        ).all()
    )
    tally_rules = Rules(
        method=method,
        classes=classes,
        quorum=parse_share(rules.get("quorum", "0"), "quorum"),
        threshold=parse_share(rules.get("threshold", "0.5"), "threshold"),
        comparison=Comparison(rules.get("comparison", "more_than")),
        options=options,
        max_choices=rules.get("max_choices"),
    )
    ballots: list[Ballot] = []
    if rules.get("secret"):
        for sealed in (
            await session.scalars(
                select(SecretBallot).where(SecretBallot.proposal_id == proposal.id)
            )
        ).all():
            ballots.append(
                Ballot(
                    sealed.class_key,
                    sealed.weight,
                    choices.to_tally(method, sealed.choice),
                    ref=sealed.id,
                )
            )
    else:
        by_member = {entry.member_id: entry for entry in electorate}
        for row in (
            await session.scalars(
                select(RollCallBallot).where(RollCallBallot.proposal_id == proposal.id)
            )
        ).all():
            entry = by_member[row.voter_id]
            ballots.append(
                Ballot(
                    entry.class_key,
                    entry.weight,
                    choices.to_tally(method, row.choice),
                    ref=str(row.voter_id),
                )
            )
    return ballots, tally_rules


def _cap(raw: object) -> Fraction | None:
    if raw is None:
        return None
    return parse_share(str(raw), "cap")


async def count(session: AsyncSession, proposal: Proposal) -> TallyResult:
    ballots, rules = await tally_inputs(session, proposal)
    return tally(ballots, rules)


def result_to_json(result: TallyResult, *, secret: bool) -> dict[str, Any]:
    """The stored and published form of a result; numbers as decimal strings."""
    return {
        "method": result.method.value,
        "outcome": result.outcome.value,
        "totals": {key: str(value) for key, value in result.totals.items()},
        "eligible_weight": str(result.eligible_weight),
        "cast_weight": str(result.cast_weight),
        "turnout": str(result.turnout),
        "quorum_reached": result.quorum_reached,
        "threshold_reached": result.threshold_reached,
        "ballot_count": result.ballot_count,
        "class_factors": {key: str(value) for key, value in result.class_factors.items()},
        "winners": list(result.winners),
        "tied": list(result.tied),
        "ranking": [list(group) for group in result.ranking],
        # Who blocked is public on a roll-call vote; on a secret one only how many.
        "blocks": len(result.blocks) if secret else list(result.blocks),
        "details": {key: str(value) for key, value in result.details.items()},
    }
