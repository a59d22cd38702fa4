"""Turnout and quorum, shared by every method.

``cast`` is the scaled weight of every ballot cast, abstentions (and empty approval ballots)
included; ``eligible`` the scaled eligible weight of all classes.

- ``turnout = cast / eligible`` (0 when nothing is eligible);
- the quorum is reached when ``cast ≥ quorum × eligible`` (at the exact boundary it is
  reached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.errors import InvalidBallot
from governance.tally.exact import to_fraction, units_to_fraction
from governance.tally.types import Rules
from governance.tally.weights import ClassScaling


@dataclass(frozen=True)
class Turnout:
    eligible_weight: Fraction
    cast_weight: Fraction
    quorum_reached: bool

    @property
    def share(self) -> Fraction:
        if self.eligible_weight == 0:
            return Fraction(0)
        return self.cast_weight / self.eligible_weight


def assess_turnout(
    cast_units_per_class: Sequence[int], scaling: ClassScaling, rules: Rules
) -> Turnout:
    """Scale the cast weight of each class (in weight units) and compare it with the quorum.

    Refuses a class that cast more weight than it has eligible: that ballot set cannot come
    from the electorate described by the rules.
    """
    for class_id, units, eligible in zip(
        scaling.class_ids, cast_units_per_class, scaling.eligible, strict=True
    ):
        if units_to_fraction(units) > eligible:
            raise InvalidBallot(
                f"The class {class_id!r} cast more weight than it has eligible "
                f"({units_to_fraction(units)} > {eligible})."
            )
    eligible_weight = scaling.eligible_weight
    cast_weight = scaling.scale_units(cast_units_per_class)
    return Turnout(
        eligible_weight=eligible_weight,
        cast_weight=cast_weight,
        quorum_reached=cast_weight >= to_fraction(rules.quorum) * eligible_weight,
    )
