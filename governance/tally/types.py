"""The tally's vocabulary: methods, choices, rules, ballots and results.

Everything here is a frozen value. Shares (quorum, threshold, caps) are ``Decimal`` or
``Fraction`` so that thirds can be stated exactly (``Fraction(2, 3)``); floats are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import TypeAlias

from governance.tally.errors import InvalidRules

Share: TypeAlias = Decimal | Fraction


class Method(StrEnum):
    MAJORITY = "majority"
    SUPERMAJORITY = "supermajority"
    CONSENT = "consent"
    APPROVAL = "approval"
    SCORE = "score"
    # Reserved: ranked methods come in a later issue.
    INSTANT_RUNOFF = "instant_runoff"
    SCHULZE = "schulze"
    STV = "stv"


OPTION_METHODS = frozenset(
    {Method.APPROVAL, Method.SCORE, Method.INSTANT_RUNOFF, Method.SCHULZE, Method.STV}
)


class Comparison(StrEnum):
    """How the yes share is compared with the threshold."""

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


class Outcome(StrEnum):
    PASSED = "passed"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    TIE = "tie"


class MajorityChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class ConsentChoice(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    BLOCK = "block"


# Column codes: a choice's code is its position in these tuples.
MAJORITY_CODES: tuple[MajorityChoice, ...] = (
    MajorityChoice.YES,
    MajorityChoice.NO,
    MajorityChoice.ABSTAIN,
)
CONSENT_CODES: tuple[ConsentChoice, ...] = (
    ConsentChoice.AGREE,
    ConsentChoice.ABSTAIN,
    ConsentChoice.BLOCK,
)

MIN_SCORE = 0
MAX_SCORE = 5

ApprovalChoice: TypeAlias = frozenset[str]
"""The approved option ids; the empty set is an abstention."""
ScoreChoice: TypeAlias = Mapping[str, int]
"""Option id → score in MIN_SCORE..MAX_SCORE; a missing option scores MIN_SCORE."""
RankedChoice: TypeAlias = tuple[str, ...]
"""Reserved for ranked methods: option ids, most preferred first."""
Choice: TypeAlias = MajorityChoice | ConsentChoice | ApprovalChoice | ScoreChoice | RankedChoice


@dataclass(frozen=True)
class ClassWeight:
    """One membership class in the electorate of a proposal.

    ``eligible_weight`` is the summed weight of every member of the class entitled to vote on
    the proposal; ``cap`` is the bylaws' optional ceiling on the class's share of all eligible
    weight (0 < cap ≤ 1).
    """

    class_id: str
    eligible_weight: Decimal
    cap: Share | None = None


@dataclass(frozen=True)
class Ballot:
    """One counted ballot: the voter's class, the weight it counts with, and the choice.

    ``ref`` is an opaque reference the caller can map back to the ballot (its id, or for a
    secret ballot its sealed leaf hash); the tally only echoes it for consent blocks.
    """

    class_id: str
    weight: Decimal
    choice: Choice
    ref: str = ""


@dataclass(frozen=True)
class Rules:
    """What a tally needs besides the ballots: the bylaws' method and limits, and the
    electorate (eligible weight and cap per class).

    ``threshold`` and ``comparison`` apply to majority and supermajority; ``options``,
    ``max_choices`` (``None``: no limit) and ``seats`` to option methods.
    """

    method: Method
    classes: tuple[ClassWeight, ...]
    quorum: Share = Fraction(0)
    threshold: Share = Fraction(1, 2)
    comparison: Comparison = Comparison.MORE_THAN
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    seats: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.method, Method):
            raise InvalidRules(f"Unknown tally method {self.method!r}.")
        if not isinstance(self.comparison, Comparison):
            raise InvalidRules(f"Unknown threshold comparison {self.comparison!r}.")
        _check_share(self.quorum, "quorum")
        _check_share(self.threshold, "threshold")
        self._check_classes()
        self._check_options()

    def _check_classes(self) -> None:
        if not self.classes:
            raise InvalidRules("The electorate needs at least one membership class.")
        seen: set[str] = set()
        for item in self.classes:
            if item.class_id in seen:
                raise InvalidRules(f"The class {item.class_id!r} is listed twice.")
            seen.add(item.class_id)
            weight = item.eligible_weight
            if not isinstance(weight, Decimal) or not weight.is_finite() or weight < 0:
                raise InvalidRules(
                    f"The eligible weight of {item.class_id!r} must be a Decimal ≥ 0."
                )
            if item.cap is not None:
                _check_share(item.cap, f"cap of {item.class_id!r}")
                if item.cap == 0:
                    raise InvalidRules(f"The cap of {item.class_id!r} must be more than 0.")

    def _check_options(self) -> None:
        if len(set(self.options)) != len(self.options):
            raise InvalidRules("Option ids must be unique.")
        if any(not isinstance(option, str) or not option for option in self.options):
            raise InvalidRules("Option ids must be non-empty strings.")
        if self.method in OPTION_METHODS and not self.options:
            raise InvalidRules(f"The {self.method} method needs at least one option.")
        if self.max_choices is not None and (
            isinstance(self.max_choices, bool) or self.max_choices < 1
        ):
            raise InvalidRules("max_choices must be at least 1 (or None for no limit).")
        if isinstance(self.seats, bool) or self.seats < 1:
            raise InvalidRules("seats must be at least 1.")
        if self.method in OPTION_METHODS and self.seats > len(self.options):
            raise InvalidRules("There cannot be more seats than options.")


def _check_share(value: object, name: str) -> None:
    if not isinstance(value, Decimal | Fraction):
        raise InvalidRules(f"The {name} must be a Decimal or a Fraction, not {value!r}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidRules(f"The {name} must be finite.")
    if not 0 <= value <= 1:
        raise InvalidRules(f"The {name} is a share: between 0 and 1.")


def _empty() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True)
class TallyResult:
    """The outcome of a tally and the figures it rests on.

    All weights are *scaled* weights (after class caps), as ``Decimal`` converted from exact
    rationals (see :func:`governance.tally.exact.to_decimal`). ``totals`` maps each choice
    (majority, consent) or option id (option methods) to its weight; for score it is the
    weighted sum of scores. ``threshold_reached`` is computed even without quorum, and is
    ``None`` for methods that have no threshold (consent, approval, score).

    ``winners`` are the options elected; ``tied`` the options tied for the remaining seat(s)
    when the outcome is ``TIE``; ``ranking`` groups options of equal total, best first.
    ``blocks`` holds the ``ref`` of every blocking consent ballot, sorted. ``details`` is
    method-specific (majority: ``yes_share``; ranked methods will add rounds and a pairwise
    matrix) and never repeats a field above.
    """

    method: Method
    outcome: Outcome
    totals: Mapping[str, Decimal]
    eligible_weight: Decimal
    cast_weight: Decimal
    turnout: Decimal
    quorum_reached: bool
    threshold_reached: bool | None
    ballot_count: int
    class_factors: Mapping[str, Decimal]
    winners: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    ranking: tuple[tuple[str, ...], ...] = ()
    blocks: tuple[str, ...] = ()
    details: Mapping[str, object] = field(default_factory=_empty)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED
