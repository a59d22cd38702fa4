"""Consent: agree | abstain | block.

NO_QUORUM when the quorum is not reached (abstentions and blocks count for it); otherwise any
block, whatever its weight, makes the outcome REJECTED; otherwise PASSED, even if every
ballot abstains (consent is the absence of objection). There is no threshold.
``blocks`` lists the ``ref`` of each blocking ballot, sorted, so the caller can show the
reasons it keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.methods.base import build_result
from governance.tally.methods.coded import check_codes, encode_codes, sums_by_class_and_code
from governance.tally.quorum import assess_turnout
from governance.tally.types import (
    CONSENT_CODES,
    Ballot,
    ConsentChoice,
    Outcome,
    Rules,
    TallyResult,
)
from governance.tally.weights import ClassScaling

_BLOCK = CONSENT_CODES.index(ConsentChoice.BLOCK)


class ConsentMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.int8]:
        return encode_codes(ballots, CONSENT_CODES)

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        codes = check_codes(columns, CONSENT_CODES)
        sums = sums_by_class_and_code(columns, codes, len(CONSENT_CODES), len(rules.classes))
        turnout = assess_turnout([sum(row) for row in sums], scaling, rules)
        totals = {
            choice.value: scaling.scale_units([row[code] for row in sums])
            for code, choice in enumerate(CONSENT_CODES)
        }
        blocking = np.flatnonzero(codes == _BLOCK)
        refs = columns.refs
        blocks = tuple(sorted(refs[i] if refs is not None else "" for i in blocking.tolist()))
        if not turnout.quorum_reached:
            outcome = Outcome.NO_QUORUM
        else:
            outcome = Outcome.REJECTED if blocks else Outcome.PASSED
        return build_result(
            rules,
            scaling,
            turnout,
            outcome=outcome,
            totals=totals,
            ballot_count=len(columns),
            threshold_reached=None,
            blocks=blocks,
        )
