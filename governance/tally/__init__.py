"""Tallies: pure functions of (ballots, rules) → :class:`TallyResult`. No database, no I/O.

Entry points::

    tally(ballots: Sequence[Ballot], rules: Rules) -> TallyResult
    tally_columns(columns: BallotColumns, rules: Rules) -> TallyResult   # large tallies
    to_columns(ballots: Sequence[Ballot], rules: Rules) -> BallotColumns

Both paths give identical results: ``tally`` converts the ballots to columns and calls
``tally_columns``. Ballot order never changes a result.

Formulas (docs/tally.md explains them with examples)
----------------------------------------------------
Weights. A ballot's weight is a ``Decimal`` with at most 6 decimals, carried as an integer
number of 10⁻⁶ units and summed exactly. Every decision compares exact rationals
(``Fraction``); reported figures are ``Decimal``, exact when they have at most 12 decimals,
otherwise rounded half to even to 12 decimals.

Class caps. ``E_i`` eligible weight of class ``i``, ``T = Σ E_i``, ``c_i`` its cap (share of
all weight). Scaled eligible weight ``S_i = f_i × E_i`` with, for the set ``H`` of classes
held at their cap::

    S_i = c_i × T                                    for i in H
    S_i = (1 − Σ_{j∈H} c_j) × T × E_i / Σ_{j∉H} E_j  otherwise

``H`` grows from ∅, adding every free capped class with ``S_i > c_i × T``, until stable.
``Σ S_i = T``. If every class with weight ends in ``H`` (all capped, caps summing to less
than 1), each weighs ``c_i / Σ_{j∈H} c_j × T``. The same ``f_i`` multiply every ballot of the
class, so cast weight and totals are scaled weight.

Turnout and quorum (every method)::

    cast     = Σ_i f_i × (weight of class i's ballots, abstentions included)
    turnout  = cast / eligible          (0 when eligible = 0)
    quorum reached  ⇔  cast ≥ quorum × eligible

Majority and supermajority (yes | no | abstain)::

    threshold reached ⇔ yes > threshold × (yes + no)   "more_than"
                      ⇔ yes ≥ threshold × (yes + no)   "at_least"
    (never reached when yes + no = 0; abstentions count for the quorum only)
    outcome = NO_QUORUM if not quorum, else PASSED if threshold reached, else REJECTED

Consent (agree | abstain | block): NO_QUORUM if not quorum; else REJECTED if any ballot
blocks (whatever its weight); else PASSED.

Approval (a set of at most ``max_choices`` option ids; empty = abstention) and score
(option id → 0..5, a missing option scores 0): ``total(o) = Σ scaled weight × value`` where
the value is 1/0 (approved or not) or the score. Options are ranked by total; the ``seats``
best options with a total above 0 are elected, whole groups of equal totals at a time.
Outcome: NO_QUORUM if not quorum; else TIE if the next group with a total above 0 holds more
options than seats left (``tied`` lists them, nothing is picked); else PASSED if at least
one option is elected; else REJECTED.
"""

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot, InvalidRules, TallyError, UnsupportedMethod
from governance.tally.exact import RESULT_PLACES, WEIGHT_PLACES, WEIGHT_UNIT
from governance.tally.methods import TallyMethod
from governance.tally.registry import METHODS, tally, tally_columns, to_columns
from governance.tally.types import (
    CONSENT_CODES,
    MAJORITY_CODES,
    MAX_SCORE,
    MIN_SCORE,
    ApprovalChoice,
    Ballot,
    Choice,
    ClassWeight,
    Comparison,
    ConsentChoice,
    MajorityChoice,
    Method,
    Outcome,
    RankedChoice,
    Rules,
    ScoreChoice,
    Share,
    TallyResult,
)
from governance.tally.weights import ClassScaling, class_scaling

__all__ = [
    "CONSENT_CODES",
    "MAJORITY_CODES",
    "MAX_SCORE",
    "METHODS",
    "MIN_SCORE",
    "RESULT_PLACES",
    "WEIGHT_PLACES",
    "WEIGHT_UNIT",
    "ApprovalChoice",
    "Ballot",
    "BallotColumns",
    "Choice",
    "ClassScaling",
    "ClassWeight",
    "Comparison",
    "ConsentChoice",
    "InvalidBallot",
    "InvalidRules",
    "MajorityChoice",
    "Method",
    "Outcome",
    "RankedChoice",
    "Rules",
    "ScoreChoice",
    "Share",
    "TallyError",
    "TallyMethod",
    "TallyResult",
    "UnsupportedMethod",
    "class_scaling",
    "tally",
    "tally_columns",
    "to_columns",
]
