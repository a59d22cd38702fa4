"""Shared by methods whose ballot is a row over the options (approval, score)."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot
from governance.tally.exact import sum_by_key, sum_by_key_and_column
from governance.tally.methods.base import build_result
from governance.tally.quorum import assess_turnout
from governance.tally.ranking import elect
from governance.tally.types import Outcome, Rules, TallyResult
from governance.tally.weights import ClassScaling


def option_positions(rules: Rules) -> dict[str, int]:
    return {option: column for column, option in enumerate(rules.options)}


def check_matrix(columns: BallotColumns, rules: Rules) -> NDArray[Any]:
    """Return the ``(ballots, options)`` choices matrix, refusing any other shape."""
    matrix = columns.choices
    if matrix.ndim != 2 or matrix.shape[1] != len(rules.options):
        raise InvalidBallot(
            f"The choices column needs one column per option ({len(rules.options)})."
        )
    return matrix


def count_option_matrix(
    columns: BallotColumns, rules: Rules, scaling: ClassScaling, *, largest_value: int
) -> TallyResult:
    """Weighted column sums of a ``(ballots, options)`` matrix, then the election."""
    matrix = check_matrix(columns, rules)
    class_count = len(rules.classes)
    cast = sum_by_key(columns.class_index, columns.weight_units, class_count)
    turnout = assess_turnout(cast, scaling, rules)
    sums = sum_by_key_and_column(
        columns.class_index, columns.weight_units, matrix, class_count, largest_value
    )
    totals = [scaling.scale_units(per_class) for per_class in sums]
    election = elect(rules.options, totals, rules.seats)
    reached = turnout.quorum_reached
    return build_result(
        rules,
        scaling,
        turnout,
        outcome=election.outcome if reached else Outcome.NO_QUORUM,
        totals=dict(zip(rules.options, totals, strict=True)),
        ballot_count=len(columns),
        threshold_reached=None,
        winners=election.winners if reached else (),
        tied=election.tied if reached else (),
        ranking=election.ranking,
    )
