"""Small builders shared by the tally tests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from governance.tally import (
    Ballot,
    Choice,
    ClassWeight,
    ConsentChoice,
    MajorityChoice,
    Method,
    Rules,
)

ONE = Decimal(1)


def members(class_id: str = "member", eligible: int | str = 10) -> tuple[ClassWeight, ...]:
    return (ClassWeight(class_id, Decimal(eligible)),)


def ballots(
    choice: Choice, count: int, class_id: str = "member", weight: Decimal = ONE
) -> list[Ballot]:
    return [Ballot(class_id, weight, choice) for _ in range(count)]


def majority_ballots(
    yes: int = 0, no: int = 0, abstain: int = 0, class_id: str = "member"
) -> list[Ballot]:
    return (
        ballots(MajorityChoice.YES, yes, class_id)
        + ballots(MajorityChoice.NO, no, class_id)
        + ballots(MajorityChoice.ABSTAIN, abstain, class_id)
    )


def consent_ballots(agree: int = 0, abstain: int = 0, block: int = 0) -> list[Ballot]:
    return (
        ballots(ConsentChoice.AGREE, agree)
        + ballots(ConsentChoice.ABSTAIN, abstain)
        + ballots(ConsentChoice.BLOCK, block)
    )


def approvals(*sets: Iterable[str]) -> list[Ballot]:
    return [Ballot("member", ONE, frozenset(chosen)) for chosen in sets]


def majority_rules(
    eligible: int = 10,
    quorum: Decimal | Fraction = Decimal(0),
    threshold: Decimal | Fraction = Decimal("0.5"),
    **kwargs: object,
) -> Rules:
    return Rules(
        Method.MAJORITY,
        members(eligible=eligible),
        quorum=quorum,
        threshold=threshold,
        **kwargs,  # type: ignore[arg-type]
    )
