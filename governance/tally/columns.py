"""Columnar ballots: what the database layer builds directly for large tallies.

One row per ballot, in any order:

- ``class_index``: position of the voter's class in ``rules.classes`` (integers);
- ``weight_units``: the ballot's weight × 10⁶ (int64, see :mod:`governance.tally.exact`);
- ``choices``: shaped by the method —
  majority/supermajority: 1-D codes, position in :data:`MAJORITY_CODES` (yes 0, no 1,
  abstain 2); consent: 1-D codes, position in :data:`CONSENT_CODES` (agree 0, abstain 1,
  block 2); approval: 2-D bool ``(ballots, options)``, column ``j`` is ``rules.options[j]``;
  score: 2-D integers ``(ballots, options)`` in 0..5;
- ``refs``: optional ballot references, echoed for consent blocks (``None``: all empty).

The arrays are not copied when they already have the right dtype: do not change them
while a tally runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from governance.tally.errors import InvalidBallot
from governance.tally.types import Rules


@dataclass(frozen=True, eq=False)
class BallotColumns:
    class_index: NDArray[np.intp]
    weight_units: NDArray[np.int64]
    choices: NDArray[Any]
    refs: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        class_index = np.asarray(self.class_index)
        weight_units = np.asarray(self.weight_units)
        choices = np.asarray(self.choices)
        if class_index.ndim != 1 or weight_units.ndim != 1 or choices.ndim not in (1, 2):
            raise InvalidBallot("class_index and weight_units are 1-D; choices 1-D or 2-D.")
        count = len(class_index)
        if len(weight_units) != count or len(choices) != count:
            raise InvalidBallot("Every column needs one row per ballot.")
        if self.refs is not None and len(self.refs) != count:
            raise InvalidBallot("refs needs one entry per ballot.")
        if count and not np.issubdtype(class_index.dtype, np.integer):
            raise InvalidBallot("class_index must hold integers.")
        if count and not np.issubdtype(weight_units.dtype, np.integer):
            raise InvalidBallot("weight_units must hold integers.")
        object.__setattr__(self, "class_index", class_index.astype(np.intp, copy=False))
        object.__setattr__(self, "weight_units", weight_units.astype(np.int64, copy=False))
        object.__setattr__(self, "choices", choices)

    def __len__(self) -> int:
        return len(self.class_index)

    def check_against(self, rules: Rules) -> None:
        """Refuse class indexes outside ``rules.classes`` and negative weights."""
        if not len(self):
            return
        low, high = int(self.class_index.min()), int(self.class_index.max())
        if low < 0 or high >= len(rules.classes):
            bad = low if low < 0 else high
            raise InvalidBallot(f"A ballot has class index {bad}, outside the rules' classes.")
        if int(self.weight_units.min()) < 0:
            raise InvalidBallot("A ballot has a negative weight.")
