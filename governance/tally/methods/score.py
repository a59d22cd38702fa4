"""Score: each ballot gives every option an integer score from 0 to 5.

An option missing from a ballot scores 0, as a blank line on a paper ballot would; an empty
ballot is therefore an abstention that counts for turnout and quorum. An option's total is
``Σ scaled weight × score``. Because every ballot scores every option, ranking by total is
the same as ranking by weighted mean score. Winners: the ``seats`` options with the highest
total, ties reported as TIE (see :mod:`governance.tally.ranking`).

Outcome: NO_QUORUM when the quorum is not reached; otherwise TIE when a tie decides a
seat, PASSED when at least one option is elected, REJECTED when every score is 0.
There is no threshold. A score outside 0..5, a non-integer score or an unknown option is
refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot
from governance.tally.methods.options import (
    check_matrix,
    count_option_matrix,
    option_positions,
)
from governance.tally.types import MAX_SCORE, MIN_SCORE, Ballot, Rules, TallyResult
from governance.tally.weights import ClassScaling


class ScoreMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.int8]:
        position = option_positions(rules)
        rows: list[int] = []
        columns: list[int] = []
        scores: list[int] = []
        for index, ballot in enumerate(ballots):
            choice = ballot.choice
            if not isinstance(choice, Mapping):
                raise InvalidBallot(f"Ballot {index}: a score choice maps option ids to scores.")
            for option, score in choice.items():
                column = position.get(option)
                if column is None:
                    raise InvalidBallot(f"Ballot {index}: unknown option {option!r}.")
                if isinstance(score, bool) or not isinstance(score, int):
                    raise InvalidBallot(f"Ballot {index}: the score {score!r} is not an integer.")
                if not MIN_SCORE <= score <= MAX_SCORE:
                    raise InvalidBallot(
                        f"Ballot {index}: the score {score} is outside {MIN_SCORE}..{MAX_SCORE}."
                    )
                rows.append(index)
                columns.append(column)
                scores.append(score)
        matrix = np.zeros((len(ballots), len(rules.options)), dtype=np.int8)
        matrix[np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp)] = scores
        return matrix

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        matrix = check_matrix(columns, rules)
        if len(matrix) and not np.issubdtype(matrix.dtype, np.integer):
            raise InvalidBallot("The score choices column is an integer matrix.")
        if matrix.size and (int(matrix.min()) < MIN_SCORE or int(matrix.max()) > MAX_SCORE):
            raise InvalidBallot(f"A score is outside {MIN_SCORE}..{MAX_SCORE}.")
        return count_option_matrix(columns, rules, scaling, largest_value=MAX_SCORE)
