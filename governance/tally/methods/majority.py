"""Majority and supermajority: yes | no | abstain.

``yes_share = yes / (yes + no)``; abstentions count for turnout and quorum only. The threshold
is reached when ``yes_share > threshold`` ("more_than") or ``yes_share ≥ threshold``
("at_least"), computed exactly as ``yes > threshold × (yes + no)`` (or ``≥``); with no yes
or no at all it is not reached. Supermajority is the same count with a higher threshold.

Outcome: NO_QUORUM when the quorum is not reached, else PASSED when the threshold is
reached, else REJECTED.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.exact import to_decimal, to_fraction
from governance.tally.methods.base import build_result
from governance.tally.methods.coded import check_codes, encode_codes, sums_by_class_and_code
from governance.tally.quorum import assess_turnout
from governance.tally.types import (
    MAJORITY_CODES,
    Ballot,
    Comparison,
    MajorityChoice,
    Outcome,
    Rules,
    TallyResult,
)
from governance.tally.weights import ClassScaling


def threshold_reached(yes: Fraction, no: Fraction, rules: Rules) -> bool:
    decided = yes + no
    if decided == 0:
        return False
    bar = to_fraction(rules.threshold) * decided
    return yes > bar if rules.comparison is Comparison.MORE_THAN else yes >= bar


class MajorityMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.int8]:
        return encode_codes(ballots, MAJORITY_CODES)

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        codes = check_codes(columns, MAJORITY_CODES)
        sums = sums_by_class_and_code(columns, codes, len(MAJORITY_CODES), len(rules.classes))
        turnout = assess_turnout([sum(row) for row in sums], scaling, rules)
        totals = {
            choice.value: scaling.scale_units([row[code] for row in sums])
            for code, choice in enumerate(MAJORITY_CODES)
        }
        yes, no = totals[MajorityChoice.YES], totals[MajorityChoice.NO]
        reached = threshold_reached(yes, no, rules)
        if not turnout.quorum_reached:
            outcome = Outcome.NO_QUORUM
        else:
            outcome = Outcome.PASSED if reached else Outcome.REJECTED
        decided = yes + no
        return build_result(
            rules,
            scaling,
            turnout,
            outcome=outcome,
            totals=totals,
            ballot_count=len(columns),
            threshold_reached=reached,
            details={"yes_share": to_decimal(yes / decided) if decided else None},
        )
