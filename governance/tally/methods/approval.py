"""Approval: each ballot approves a set of at most ``max_choices`` options.

An empty set is an abstention: it counts for turnout and quorum and approves nothing. An
option's total is the scaled weight of the ballots approving it. Winners: the ``seats``
options with the highest total, ties reported as TIE (see :mod:`governance.tally.ranking`).

Outcome: NO_QUORUM when the quorum is not reached; otherwise TIE when a tie decides a
seat, PASSED when at least one option is elected, REJECTED when no option was approved.
There is no threshold. A ballot approving more than ``max_choices`` options, or an unknown
option, is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot
from governance.tally.methods.options import (
    check_matrix,
    count_option_matrix,
    option_positions,
)
from governance.tally.types import Ballot, Rules, TallyResult
from governance.tally.weights import ClassScaling


class ApprovalMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.bool_]:
        position = option_positions(rules)
        rows: list[int] = []
        columns: list[int] = []
        for index, ballot in enumerate(ballots):
            choice = ballot.choice
            if isinstance(choice, str) or not isinstance(choice, AbstractSet):
                raise InvalidBallot(f"Ballot {index}: an approval choice is a set of option ids.")
            for option in choice:
                column = position.get(option)
                if column is None:
                    raise InvalidBallot(f"Ballot {index}: unknown option {option!r}.")
                rows.append(index)
                columns.append(column)
        matrix = np.zeros((len(ballots), len(rules.options)), dtype=np.bool_)
        matrix[np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp)] = True
        return matrix

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        matrix = check_matrix(columns, rules)
        if len(matrix) and matrix.dtype != np.bool_:
            raise InvalidBallot("The approval choices column is a boolean matrix.")
        if len(matrix) and rules.max_choices is not None:
            approved = np.count_nonzero(matrix, axis=1)
            if int(approved.max()) > rules.max_choices:
                index = int(np.argmax(approved > rules.max_choices))
                raise InvalidBallot(
                    f"Ballot {index} approves {int(approved[index])} options, more than "
                    f"{rules.max_choices}."
                )
        return count_option_matrix(columns, rules, scaling, largest_value=1)
