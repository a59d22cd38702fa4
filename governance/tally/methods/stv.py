"""Single transferable vote (several seats) under the Scottish STV rules.

Rule set: The Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1,
rules 45–52 (first stage, quota, return of candidates, transfer of ballot papers and its
supplementary provisions, exclusion and its supplementary provisions, filling of last
vacancies). ``docs/stv.md`` explains the count with a worked example.

Ballots rank some or all options, most preferred first (a ``RankedChoice`` tuple). An empty
ranking is an abstention: it counts for turnout and quorum but is not a valid paper for the
count. A paper's vote is its *weight* (the ballot's scaled weight, after class caps) times its
*value* (1 at the first stage, then its transfer value).

The count, with ``V`` the total weight of the valid (non-empty) papers and ``S`` the seats:

- Quota (rule 46), in its exact weighted form: ``quota = ⌊V / (S + 1)⌋ + 1``, computed on the
  exact rational ``V``. With weights of 1 this is the Order's quota; with other weights the
  ``+ 1`` is one unit of weight (so at most ``S`` candidates can reach it).
- A candidate whose votes reach the quota at the end of a stage is elected (rule 47).
- Surpluses (rules 48–49): the largest surplus is transferred first. Every paper the candidate
  holds moves to its next continuing preference at transfer value
  ``⌊surplus × paper value / candidate's votes⌋`` to five decimal places (remainder ignored);
  papers without a further continuing preference are non-transferable. The elected
  candidate keeps the quota; the value lost by truncation is reported.
- Exclusion (rules 50–51): when no surplus is left to transfer, the continuing candidate
  with the fewest votes is excluded and every paper they hold moves on at its current value.
- Ties (rules 49(2), 51(2)): candidates with equal surpluses (or equal lowest votes) are
  separated by the most recent preceding stage at which they had unequal votes, the highest
  (surplus) or lowest (exclusion) being taken, narrowing stage by stage. Where they were equal
  at every stage the Order draws lots; this count never does. It counts on after each
  possible draw (on a copy): if every draw elects the same candidates the draw cannot
  matter, and the count goes on with the first of them in option order, saying so in the
  stage's ``tie_break``; otherwise the outcome is ``TIE``, ``tied`` names the candidates of
  the draw and ``winners`` those elected before it. (Candidates tied at zero votes when at
  least that many must still be excluded are excluded in option order without trying every
  order: no paper moves, so every order leads to the same state. At most
  :data:`LOT_BRANCHES` draws are tried per count; beyond that the outcome is ``TIE``.)
- Last vacancies (rule 52): when the continuing candidates are as many as the vacancies left,
  they are all elected and the count stops.

Outcome: NO_QUORUM if the quorum is not reached (the count is still reported); REJECTED when
no valid paper has weight; TIE as above; otherwise PASSED. ``totals`` are first-preference
totals; ``details["rounds"]`` lists every stage, ``details["quota"]`` the quota.

Arithmetic is exact: weights, votes and values are integers on a common denominator; no float
enters the count. A ranking listing an option twice, an unknown option, or more options than
``max_choices`` is refused.

Columns: ``choices`` is a 2-D integer matrix ``(ballots, options)``; row ``i`` holds the
positions in ``rules.options`` of ballot ``i``'s ranking, best first, padded with -1.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot
from governance.tally.exact import WEIGHT_UNIT, sum_by_key, to_decimal
from governance.tally.methods.base import build_result
from governance.tally.methods.options import check_matrix, option_positions
from governance.tally.quorum import assess_turnout
from governance.tally.types import Ballot, Outcome, Rules, TallyResult
from governance.tally.weights import ClassScaling

RULE_SET = "Scottish STV: SSI 2007/42, Schedule 1, rules 45-52"
VALUE_PLACES = 5
VALUE_ONE = 10**VALUE_PLACES
"""A paper's value is an integer number of 10⁻⁵ (transfer values have five decimals)."""
LOT_BRANCHES = 64
"""How many draws a count may try out before it reports a tie instead (see ``_Count._lot``)."""


class STVMethod:
    """Scottish STV; see the module docstring."""

    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.int16]:
        position = option_positions(rules)
        matrix = np.full((len(ballots), len(rules.options)), -1, dtype=np.int16)
        for index, ballot in enumerate(ballots):
            choice = ballot.choice
            if isinstance(choice, str) or not isinstance(choice, tuple | list):
                raise InvalidBallot(f"Ballot {index}: a ranking is a tuple of option ids.")
            if rules.max_choices is not None and len(choice) > rules.max_choices:
                raise InvalidBallot(
                    f"Ballot {index} ranks {len(choice)} options, more than {rules.max_choices}."
                )
            seen: set[str] = set()
            for rank, option in enumerate(choice):
                column = position.get(option) if isinstance(option, str) else None
                if column is None:
                    raise InvalidBallot(f"Ballot {index}: unknown option {option!r}.")
                if option in seen:
                    raise InvalidBallot(f"Ballot {index}: the option {option!r} is ranked twice.")
                seen.add(option)
                matrix[index, rank] = column
        return matrix

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        matrix = check_matrix(columns, rules)
        _check_rankings(matrix, rules)
        class_count = len(rules.classes)
        cast = sum_by_key(columns.class_index, columns.weight_units, class_count)
        turnout = assess_turnout(cast, scaling, rules)
        groups, denominator = _group(matrix, columns, scaling)
        count = _Count(rules.options, rules.seats, groups, denominator)
        count.run()
        reached = turnout.quorum_reached
        if not reached:
            outcome = Outcome.NO_QUORUM
        elif count.valid == 0:
            outcome = Outcome.REJECTED
        elif count.tied:
            outcome = Outcome.TIE
        else:
            outcome = Outcome.PASSED
        decided = reached and count.valid > 0
        return build_result(
            rules,
            scaling,
            turnout,
            outcome=outcome,
            totals=dict(zip(rules.options, count.first_preferences, strict=True)),
            ballot_count=len(columns),
            threshold_reached=None,
            winners=tuple(count.elected) if decided else (),
            tied=count.tied if decided else (),
            ranking=count.ranking(),
            details=count.details(),
        )


STV_METHOD = STVMethod()


def _check_rankings(matrix: NDArray[Any], rules: Rules) -> None:
    if not len(matrix) or not matrix.shape[1]:
        return
    if not np.issubdtype(matrix.dtype, np.integer):
        raise InvalidBallot("The STV choices column is an integer matrix.")
    if int(matrix.min()) < -1 or int(matrix.max()) >= len(rules.options):
        raise InvalidBallot("A ranking holds an option position outside the rules' options.")
    if bool(np.any((matrix[:, 1:] >= 0) & (matrix[:, :-1] < 0))):
        raise InvalidBallot("A ranking has a gap: -1 pads only the end of a row.")
    ordered = np.sort(matrix, axis=1)
    if bool(np.any((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0))):
        raise InvalidBallot("A ranking lists an option twice.")
    if rules.max_choices is not None:
        ranked = np.count_nonzero(matrix >= 0, axis=1)
        if int(ranked.max()) > rules.max_choices:
            raise InvalidBallot(f"A ranking lists more than {rules.max_choices} options.")


def _group(
    matrix: NDArray[Any], columns: BallotColumns, scaling: ClassScaling
) -> tuple[list[tuple[tuple[int, ...], int]], int]:
    """Merge identical rankings: ``[(ranking, weight)]`` with integer weights counting
    ``1 / denominator`` of a unit of scaled weight. Empty rankings and zero weights drop out."""
    per_unit = [factor / WEIGHT_UNIT for factor in scaling.factors]
    denominator = math.lcm(*(value.denominator for value in per_unit)) if per_unit else 1
    multipliers = [int(value * denominator) for value in per_unit]
    if not len(matrix):
        return [], denominator
    rows, inverse = np.unique(matrix, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    class_count = len(multipliers)
    keys = inverse.astype(np.intp) * class_count + columns.class_index
    sums = sum_by_key(keys, columns.weight_units, len(rows) * class_count)
    groups: list[tuple[tuple[int, ...], int]] = []
    for index, row in enumerate(rows.tolist()):
        base = index * class_count
        weight = sum(sums[base + klass] * multipliers[klass] for klass in range(class_count))
        ranking = tuple(option for option in row if option >= 0)
        if weight and ranking:
            groups.append((ranking, weight))
    return groups, denominator


class _Budget:
    """Draws left to explore; shared by a count and all its copies."""

    def __init__(self, left: int) -> None:
        self.left = left

    def __deepcopy__(self, memo: dict[int, object]) -> _Budget:
        return self


@dataclass
class _Stage:
    number: int
    kind: str
    candidate: str | None
    elected: list[str] = field(default_factory=list)
    elected_without_quota: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    transfer_values: list[int] = field(default_factory=list)
    non_transferable: int = 0
    lost_to_truncation: int = 0
    tie_break: str | None = None
    totals: list[int] = field(default_factory=list)


class _Count:
    """One Scottish STV count on grouped papers. Votes are integers counting
    ``1 / (denominator × 10⁵)`` of a unit of weight."""

    def __init__(
        self,
        options: Sequence[str],
        seats: int,
        groups: list[tuple[tuple[int, ...], int]],
        denominator: int,
    ) -> None:
        self.options = tuple(options)
        self.seats = seats
        self.scale = denominator * VALUE_ONE
        self.rankings = [ranking for ranking, _ in groups]
        self.weights = [weight for _, weight in groups]
        self.position = [0] * len(groups)
        self.value = [VALUE_ONE] * len(groups)
        size = len(self.options)
        self.votes = [0] * size
        self.piles: list[list[int]] = [[] for _ in range(size)]
        self.continuing = [True] * size
        self.elected_index: list[int] = []
        self.excluded_index: list[int] = []
        self.pending: list[int] = []  # elected, surplus not yet transferred
        self.stages: list[_Stage] = []
        self.history: list[list[int]] = []
        self.non_transferable = 0
        self.lost_to_truncation = 0
        self.tied: tuple[str, ...] = ()
        self.tie: dict[str, object] | None = None
        self.forced: int | None = None
        self.budget = _Budget(LOT_BRANCHES)
        self.valid = sum(self.weights) * VALUE_ONE
        self.quota = (self.valid // (self.scale * (seats + 1)) + 1) * self.scale
        for group, ranking in enumerate(self.rankings):
            first = ranking[0]
            self.votes[first] += self.weights[group] * VALUE_ONE
            self.piles[first].append(group)
        self.first_preferences = [Fraction(votes, self.scale) for votes in self.votes]

    @property
    def elected(self) -> list[str]:
        return [self.options[index] for index in self.elected_index]

    def vacancies(self) -> int:
        return self.seats - len(self.elected_index)

    def run(self) -> None:
        stage = _Stage(1, "first_preferences", None)
        self.stages.append(stage)
        if self.valid == 0:
            self._close(stage)
            return
        self._loop(stage)

    def _loop(self, stage: _Stage | None) -> None:
        while stage is not None and not self._close(stage):
            stage = self._transfer_surplus() if self.pending else self._exclude()

    def _lot(self, candidates: list[int], rule: str) -> tuple[int | None, str]:
        """Where the Order draws lots: count on after each possible draw (in a copy). If
        every draw elects the same candidates, the draw cannot matter and the count goes on
        with the first candidate in option order; otherwise the count stops with a TIE."""
        if self.forced is not None:
            chosen, self.forced = self.forced, None
            return chosen, f"rule {rule}: exploring the draw {self.options[chosen]}"
        found: set[frozenset[int]] = set()
        for candidate in candidates:
            if self.budget.left <= 0:
                return None, ""
            self.budget.left -= 1
            branch = copy.deepcopy(self)
            branch.forced = candidate
            branch._loop(branch._transfer_surplus() if branch.pending else branch._exclude())
            if branch.tied:
                return None, ""
            found.add(frozenset(branch.elected_index))
            if len(found) > 1:
                return None, ""
        names = ", ".join(self.options[index] for index in candidates)
        return candidates[0], (
            f"rule {rule}: equal at every stage ({names}); every draw elects the same "
            f"candidates, so {self.options[candidates[0]]} is taken (option order)"
        )

    def _close(self, stage: _Stage) -> bool:
        """End a stage: elect on quota (rule 47), record totals, then say whether the count is
        over (seats filled, or last vacancies filled under rule 52)."""
        if self.valid:
            reached = [
                index
                for index in range(len(self.options))
                if self.continuing[index] and self.votes[index] >= self.quota
            ]
            reached.sort(key=lambda index: -self.votes[index])
            for index in reached:
                self._elect(index, stage)
                if self.votes[index] > self.quota:  # rule 48(1): only a surplus moves
                    self.pending.append(index)
            continuing = [index for index in range(len(self.options)) if self.continuing[index]]
            if self.vacancies() > 0 and len(continuing) == self.vacancies():
                for index in sorted(continuing, key=lambda index: -self.votes[index]):
                    self._elect(index, stage)
                    stage.elected_without_quota.append(self.options[index])
        stage.totals = list(self.votes)
        self.history.append(list(self.votes))
        return self.valid == 0 or self.vacancies() == 0

    def _elect(self, index: int, stage: _Stage) -> None:
        self.continuing[index] = False
        self.elected_index.append(index)
        stage.elected.append(self.options[index])

    def _next(self, group: int) -> int | None:
        """Move a paper to its next continuing preference; ``None`` if it has none."""
        ranking = self.rankings[group]
        position = self.position[group] + 1
        while position < len(ranking) and not self.continuing[ranking[position]]:
            position += 1
        self.position[group] = position
        return ranking[position] if position < len(ranking) else None

    def _move(self, pile: list[int], stage: _Stage) -> int:
        """Send every paper of ``pile`` on at its (already set) value; return the weight moved
        or set aside."""
        moved = 0
        for group in pile:
            vote = self.weights[group] * self.value[group]
            moved += vote
            target = self._next(group)
            if target is None:
                stage.non_transferable += vote
            else:
                self.votes[target] += vote
                self.piles[target].append(group)
        self.non_transferable += stage.non_transferable
        return moved

    def _transfer_surplus(self) -> _Stage | None:
        surpluses = {index: self.votes[index] - self.quota for index in self.pending}
        largest = max(surpluses.values())
        candidates = [index for index in self.pending if surpluses[index] == largest]
        note = None
        if len(candidates) > 1:
            left = self._break_tie(candidates, highest=True)
            if len(left) > 1:
                found, note = self._lot(left, "49(3)")
                if found is None:
                    self._report_tie(left, "49(3)")
                    return None
                chosen = found
            else:
                chosen = left[0]
                note = f"rule 49(2): {self.options[chosen]} first"
        else:
            chosen = candidates[0]
        self.pending.remove(chosen)
        stage = _Stage(len(self.stages) + 1, "surplus", self.options[chosen], tie_break=note)
        self.stages.append(stage)
        surplus, total = largest, self.votes[chosen]
        values: dict[int, int] = {}
        pile = self.piles[chosen]
        for group in pile:
            old = self.value[group]
            new = values.get(old)
            if new is None:
                new = values[old] = surplus * old // total
            self.value[group] = new
        stage.transfer_values = sorted(set(values.values()))
        moved = self._move(pile, stage)
        stage.lost_to_truncation = surplus - moved
        self.lost_to_truncation += stage.lost_to_truncation
        self.piles[chosen] = []
        self.votes[chosen] = self.quota
        return stage

    def _exclude(self) -> _Stage | None:
        continuing = [index for index in range(len(self.options)) if self.continuing[index]]
        lowest = min(self.votes[index] for index in continuing)
        candidates = [index for index in continuing if self.votes[index] == lowest]
        note = None
        if len(candidates) > 1:
            left = self._break_tie(candidates, highest=False)
            if len(left) == 1:
                chosen = left[0]
                note = f"rule 51(2)(a): {self.options[chosen]} excluded"
            elif lowest == 0 and len(continuing) - self.vacancies() >= len(left):
                chosen = left[0]
                note = "zero votes at every stage, all to be excluded: order immaterial"
            else:
                found, note = self._lot(left, "51(2)(b)")
                if found is None:
                    self._report_tie(left, "51(2)(b)")
                    return None
                chosen = found
        else:
            chosen = candidates[0]
        self.continuing[chosen] = False
        self.excluded_index.append(chosen)
        stage = _Stage(len(self.stages) + 1, "exclusion", self.options[chosen], tie_break=note)
        stage.excluded.append(self.options[chosen])
        self.stages.append(stage)
        pile = self.piles[chosen]
        stage.transfer_values = sorted({self.value[group] for group in pile})
        self._move(pile, stage)
        self.piles[chosen] = []
        self.votes[chosen] = 0
        return stage

    def _break_tie(self, candidates: list[int], *, highest: bool) -> list[int]:
        """Rules 49(2) and 51(2)(a): the most recent preceding stage at which the tied
        candidates had unequal votes decides, narrowing stage by stage. Returns the
        candidates still tied after looking at every stage (one when the tie is broken)."""
        left = list(candidates)
        for totals in reversed(self.history[:-1]):
            figures = [totals[index] for index in left]
            if len(set(figures)) > 1:
                best = max(figures) if highest else min(figures)
                left = [index for index in left if totals[index] == best]
                if len(left) == 1:
                    break
        return left

    def _report_tie(self, candidates: list[int], rule: str) -> None:
        self.tied = tuple(self.options[index] for index in sorted(candidates))
        self.tie = {
            "after_stage": len(self.stages),
            "rule": rule,
            "candidates": list(self.tied),
        }

    def ranking(self) -> tuple[tuple[str, ...], ...]:
        """Elected in order of election, then the continuing candidates by votes (equal votes
        grouped), then the excluded, last excluded first."""
        groups: list[tuple[str, ...]] = [(self.options[index],) for index in self.elected_index]
        continuing = [index for index in range(len(self.options)) if self.continuing[index]]
        for level in sorted({self.votes[index] for index in continuing}, reverse=True):
            groups.append(
                tuple(self.options[index] for index in continuing if self.votes[index] == level)
            )
        groups.extend((self.options[index],) for index in reversed(self.excluded_index))
        return tuple(groups)

    def _figure(self, votes: int) -> object:
        return to_decimal(Fraction(votes, self.scale))

    def details(self) -> dict[str, object]:
        rounds = [
            {
                "stage": stage.number,
                "type": stage.kind,
                "candidate": stage.candidate,
                "totals": {
                    option: self._figure(votes)
                    for option, votes in zip(self.options, stage.totals, strict=True)
                },
                "elected": list(stage.elected),
                "elected_without_quota": list(stage.elected_without_quota),
                "excluded": list(stage.excluded),
                "transfer_values": [
                    to_decimal(Fraction(value, VALUE_ONE)) for value in stage.transfer_values
                ],
                "non_transferable": self._figure(stage.non_transferable),
                "lost_to_truncation": self._figure(stage.lost_to_truncation),
                "tie_break": stage.tie_break,
            }
            for stage in self.stages
        ]
        return {
            "rule_set": RULE_SET,
            "quota": self._figure(self.quota),
            "valid_weight": self._figure(self.valid),
            "non_transferable": self._figure(self.non_transferable),
            "lost_to_truncation": self._figure(self.lost_to_truncation),
            "rounds": rounds,
            "tie": self.tie,
        }
