"""What every tally method provides, and the result assembly they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Protocol

from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.exact import to_decimal
from governance.tally.quorum import Turnout
from governance.tally.types import Ballot, Outcome, Rules, TallyResult
from governance.tally.weights import ClassScaling


class TallyMethod(Protocol):
    """A decision method. Ranked methods (instant-runoff, Schulze, STV) plug in by providing
    these two functions and registering under their :class:`Method`."""

    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[Any]:
        """Turn the ballots' choices into this method's ``choices`` column, refusing any
        choice the method does not accept."""
        ...

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        """Tally checked columns (class indexes in range, weights ≥ 0) with the class scale
        factors already computed."""
        ...


def build_result(
    rules: Rules,
    scaling: ClassScaling,
    turnout: Turnout,
    *,
    outcome: Outcome,
    totals: Mapping[str, Fraction],
    ballot_count: int,
    threshold_reached: bool | None,
    winners: tuple[str, ...] = (),
    tied: tuple[str, ...] = (),
    ranking: tuple[tuple[str, ...], ...] = (),
    blocks: tuple[str, ...] = (),
    details: Mapping[str, object] | None = None,
) -> TallyResult:
    """Assemble a :class:`TallyResult`, converting exact figures to reported Decimals."""
    return TallyResult(
        method=rules.method,
        outcome=outcome,
        totals=MappingProxyType({key: to_decimal(value) for key, value in totals.items()}),
        eligible_weight=to_decimal(turnout.eligible_weight),
        cast_weight=to_decimal(turnout.cast_weight),
        turnout=to_decimal(turnout.share),
        quorum_reached=turnout.quorum_reached,
        threshold_reached=threshold_reached,
        ballot_count=ballot_count,
        class_factors=MappingProxyType(
            {
                class_id: to_decimal(factor)
                for class_id, factor in zip(scaling.class_ids, scaling.factors, strict=True)
            }
        ),
        winners=winners,
        tied=tied,
        ranking=ranking,
        blocks=blocks,
        details=MappingProxyType(dict(details or {})),
    )
