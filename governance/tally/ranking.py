"""Ranking options by total and electing seats, with ties reported, never broken.

Options are grouped by equal exact total, best first; inside a group they keep the order of
``rules.options``. Seats go to whole groups, best first, to options whose total is more than
0. When the next group with a total above 0 has more options than seats left, the outcome is
a tie between that group's options: ``winners`` holds the options elected before it and
``tied`` the group. With no option above 0 nobody is elected. With fewer options above 0
than seats, those are elected and the remaining seats stay empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.types import Outcome


@dataclass(frozen=True)
class Election:
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    ranking: tuple[tuple[str, ...], ...]

    @property
    def outcome(self) -> Outcome:
        """The outcome once the quorum is known to be reached."""
        if self.tied:
            return Outcome.TIE
        return Outcome.PASSED if self.winners else Outcome.REJECTED


def rank(options: Sequence[str], totals: Sequence[Fraction]) -> tuple[tuple[str, ...], ...]:
    """Group ``options`` by equal total, highest first."""
    levels = sorted(set(totals), reverse=True)
    return tuple(
        tuple(option for option, total in zip(options, totals, strict=True) if total == level)
        for level in levels
    )


def elect(options: Sequence[str], totals: Sequence[Fraction], seats: int) -> Election:
    """Elect up to ``seats`` options by highest total (see the module docstring)."""
    by_option = dict(zip(options, totals, strict=True))
    ranking = rank(options, totals)
    winners: list[str] = []
    tied: tuple[str, ...] = ()
    for group in ranking:
        if len(winners) == seats or by_option[group[0]] <= 0:
            break
        if len(winners) + len(group) > seats:
            tied = group
            break
        winners.extend(group)
    return Election(winners=tuple(winners), tied=tied, ranking=ranking)
