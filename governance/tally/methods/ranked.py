"""Shared by the ranked methods (instant-runoff, Schulze): the rank matrix and exact sums.

Columns. A ranked ballot is one row of the ``choices`` matrix ``(ballots, options)``:
``rank[b, j]`` is the position (1 = most preferred) the ballot gives ``rules.options[j]``,
or 0 when the ballot leaves it unranked (unranked options share last place). The dtype is
``int8`` up to 127 options, ``int16`` above. A row's non-zero ranks must be exactly
``1..k`` (no gap, no repeat); an all-zero row is an abstention (it counts for turnout).

Orders. Counting works on the *order* matrix ``(ballots, longest ranking)``: the option
index at each position, the sentinel ``n`` (number of options) past the end of a ballot.

Exact sums. Weighted counts use ``numpy.bincount`` over the limbs of the int64 weight units
(see :mod:`governance.tally.exact`): every cell is summed over at most one addend per
ballot, so each float64 sum is exact, and the limbs are recombined as Python integers.
Class scale factors ``f_c`` are brought to one denominator ``D`` (``f_c = a_c / D``) so that
every scaled figure is an integer numerator over ``D × 10⁶``: comparisons between figures
are comparisons of integers, exactly those of the rationals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot, InvalidRules
from governance.tally.exact import WEIGHT_UNIT, _limbs
from governance.tally.types import Ballot, Rules
from governance.tally.weights import ClassScaling

MAX_RANKED_OPTIONS = int(np.iinfo(np.int16).max)
_CHECK_CHUNK = 65_536


def rank_dtype(option_count: int) -> type[np.signedinteger[Any]]:
    """``int8`` up to 127 options, ``int16`` up to 32,767; more is refused."""
    if option_count > MAX_RANKED_OPTIONS:
        raise InvalidRules(f"A ranked vote takes at most {MAX_RANKED_OPTIONS} options.")
    return np.int8 if option_count <= int(np.iinfo(np.int8).max) else np.int16


def check_single_winner(rules: Rules) -> None:
    if rules.seats != 1:
        raise InvalidRules(f"The {rules.method} method elects one option (seats must be 1).")


def encode_rankings(ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.signedinteger[Any]]:
    """Build the rank matrix, refusing non-tuple choices, unknown or repeated options, and
    rankings longer than the options or ``max_choices``."""
    check_single_winner(rules)
    dtype = rank_dtype(len(rules.options))
    position = {option: column for column, option in enumerate(rules.options)}
    limit = len(rules.options)
    if rules.max_choices is not None:
        limit = min(limit, rules.max_choices)
    rows: list[int] = []
    columns: list[int] = []
    ranks: list[int] = []
    for index, ballot in enumerate(ballots):
        choice = ballot.choice
        if not isinstance(choice, tuple | list):
            raise InvalidBallot(f"Ballot {index}: a ranked choice is a tuple of option ids.")
        if len(choice) > len(rules.options):
            raise InvalidBallot(
                f"Ballot {index} ranks {len(choice)} options; there are {len(rules.options)}."
            )
        if len(choice) > limit:
            raise InvalidBallot(f"Ballot {index} ranks {len(choice)} options, more than {limit}.")
        seen: set[int] = set()
        for rank, option in enumerate(choice, start=1):
            column = position.get(option) if isinstance(option, str) else None
            if column is None:
                raise InvalidBallot(f"Ballot {index}: unknown option {option!r}.")
            if column in seen:
                raise InvalidBallot(f"Ballot {index} ranks {option!r} twice.")
            seen.add(column)
            rows.append(index)
            columns.append(column)
            ranks.append(rank)
    matrix = np.zeros((len(ballots), len(rules.options)), dtype=dtype)
    matrix[np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp)] = np.array(
        ranks, dtype=dtype
    )
    return matrix


def check_rank_matrix(columns: BallotColumns, rules: Rules) -> NDArray[Any]:
    """Return the rank matrix after checking its shape and that every row's non-zero ranks
    are exactly ``1..k`` with ``k`` within ``max_choices`` (vectorised, in chunks)."""
    check_single_winner(rules)
    n = len(rules.options)
    matrix = columns.choices
    if matrix.ndim != 2 or matrix.shape[1] != n:
        raise InvalidBallot(f"The choices column needs one column per option ({n}).")
    if not len(matrix):
        return matrix
    if not np.issubdtype(matrix.dtype, np.integer):
        raise InvalidBallot("The ranked choices column is an integer matrix of ranks.")
    low, high = int(matrix.min()), int(matrix.max())
    if low < 0 or high > n:
        raise InvalidBallot(f"A rank is outside 0..{n}.")
    if rules.max_choices is not None and high > rules.max_choices:
        raise InvalidBallot(f"A ballot ranks more than {rules.max_choices} options.")
    work = matrix.astype(np.int16, copy=False)
    for start in range(0, len(work), _CHECK_CHUNK):
        block = np.sort(work[start : start + _CHECK_CHUNK], axis=1)
        before, after = block[:, :-1], block[:, 1:]
        good = (after == 0) | (after == before + 1) | ((before == 0) & (after == 1))
        first_good = block[:, 0] <= 1
        bad = ~(good.all(axis=1) & first_good)
        if bad.any():
            index = start + int(np.argmax(bad))
            raise InvalidBallot(
                f"Ballot {index}: the ranks must be 1..k, each once (a repeated or missing rank)."
            )
    return matrix


@dataclass(frozen=True)
class Orders:
    """Ballots sorted by ranking length, longest first, with their option order."""

    order: NDArray[np.intp]  # (ballots, longest): option index per position, n past the end
    lengths: NDArray[np.intp]  # ranking length per ballot, non-increasing
    class_index: NDArray[np.intp]
    weight_units: NDArray[np.int64]
    option_count: int

    @property
    def longest(self) -> int:
        return int(self.order.shape[1])

    def rows_longer_than(self, length: int) -> int:
        """How many (leading) ballots rank more than ``length`` options."""
        return int(np.count_nonzero(self.lengths > length))


def build_orders(columns: BallotColumns, matrix: NDArray[Any], option_count: int) -> Orders:
    lengths = matrix.max(axis=1).astype(np.intp) if len(matrix) else np.zeros(0, np.intp)
    by_length = np.argsort(-lengths, kind="stable")
    lengths = lengths[by_length]
    sorted_matrix = matrix[by_length]
    longest = int(lengths[0]) if len(lengths) else 0
    order = np.full((len(matrix), longest), option_count, dtype=np.intp)
    rows, cols = np.nonzero(sorted_matrix)
    order[rows, sorted_matrix[rows, cols].astype(np.intp) - 1] = cols
    return Orders(
        order=order,
        lengths=lengths,
        class_index=columns.class_index[by_length],
        weight_units=columns.weight_units[by_length],
        option_count=option_count,
    )


class ExactBins:
    """Exact weighted bin counts accumulated over several ``add`` calls, provided no bin
    receives more than one addend per ballot in total."""

    def __init__(self, units: NDArray[np.int64], length: int) -> None:
        self._limbs = list(_limbs(units, 1))
        self._sums = [np.zeros(length, dtype=np.float64) for _ in self._limbs]
        self._length = length

    def add(self, keys: NDArray[np.intp], rows: int | None = None) -> None:
        """Add the weights of the first ``rows`` ballots (all by default) to ``keys``."""
        for (_, limb), total in zip(self._limbs, self._sums, strict=True):
            weights = limb if rows is None else limb[:rows]
            total += np.bincount(keys, weights=weights, minlength=self._length)

    def totals(self) -> NDArray[np.object_]:
        """The sums as Python integers (an object array)."""
        result = np.zeros(self._length, dtype=object)
        for (shift, _), total in zip(self._limbs, self._sums, strict=True):
            result = result + (total.astype(np.int64).astype(object) << shift)
        return result


@dataclass(frozen=True)
class CommonScale:
    """Class factors over one denominator: scaled weight = numerator / ``denominator``."""

    multipliers: tuple[int, ...]
    denominator: int

    @classmethod
    def of(cls, scaling: ClassScaling) -> CommonScale:
        common = math.lcm(*(factor.denominator for factor in scaling.factors))
        return cls(
            multipliers=tuple(
                factor.numerator * (common // factor.denominator) for factor in scaling.factors
            ),
            denominator=common * WEIGHT_UNIT,
        )

    def numerators(self, per_class: NDArray[np.object_]) -> NDArray[np.object_]:
        """Combine per-class unit sums ``(classes, ...)`` into scaled numerators ``(...)``."""
        result = np.zeros(per_class.shape[1:], dtype=object)
        for multiplier, block in zip(self.multipliers, per_class, strict=True):
            result = result + block * multiplier
        return result

    def fraction(self, numerator: int) -> Fraction:
        return Fraction(int(numerator), self.denominator)


def as_compact(values: NDArray[np.object_]) -> NDArray[Any]:
    """int64 when every value fits (fast numpy comparisons), else the object array."""
    if not values.size:
        return values.astype(np.int64)
    if int(values.max()) < 2**63 and int(values.min()) >= -(2**63):
        return values.astype(np.int64)
    return values
