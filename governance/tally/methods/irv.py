"""Instant-runoff: a single winner by successive elimination.

Each round, every ballot counts (with its scaled weight) for its most preferred option still
in the count (a *continuing* option). A ballot with no continuing preference left is
*exhausted* and leaves the count; an empty ballot is an abstention (turnout only). An option
holding more than half of the continuing weight (the sum of the continuing options' totals)
wins. Otherwise the lowest option is eliminated and its ballots move on next round.

Elimination when several options share the lowest total, in this order:

1. Batch: if their combined total is below every other continuing option's total, they are
   all eliminated together. Eliminating them one by one would remove each of them anyway
   before any other option (a ballot moving between them never lifts one above the group's
   sum), so this cannot change the winner; it also removes options nobody ranked first.
2. Earliest difference: otherwise look at the earlier rounds, first round first, and keep
   those of the tied options with the lowest total in the first round where they differ
   (narrowing again at the next round where the remaining ones differ). One left: it is
   eliminated.
3. Still tied: the count stops and the outcome is TIE; ``tied`` lists every continuing
   option (any of them could still win) and ``details["tied_for_elimination"]`` the options
   the rule could not separate. Nothing is picked silently.

Outcome: NO_QUORUM when the quorum is not reached; REJECTED when no ballot ranks an option;
TIE as above; otherwise PASSED. ``totals`` are first-round (first-preference) weights.
``details["rounds"]``: one entry per round with ``totals`` (continuing option → scaled
weight), ``exhausted`` (weight of exhausted ballots so far, abstentions excluded),
``continuing`` (the continuing weight) and ``eliminated`` (options removed after the round,
empty in the last round); ``details["abstained"]`` is the weight of empty ballots.
``ranking``: the winner, then the options in reverse order of elimination (a batch is one
group); on a TIE the continuing options come first as one group.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.exact import sum_by_key, to_decimal
from governance.tally.methods.base import build_result
from governance.tally.methods.ranked import (
    CommonScale,
    ExactBins,
    Orders,
    build_orders,
    check_rank_matrix,
    encode_rankings,
)
from governance.tally.quorum import assess_turnout
from governance.tally.ranking import rank
from governance.tally.types import Ballot, Outcome, Rules, TallyResult
from governance.tally.weights import ClassScaling


def _round_totals(
    orders: Orders, continuing: NDArray[np.bool_], class_count: int, scale: CommonScale
) -> list[int]:
    """Scaled numerators per option (index ``n``: exhausted and empty ballots)."""
    n = orders.option_count
    width = n + 1
    if orders.longest:
        alive = continuing[orders.order]
        first = alive.argmax(axis=1)
        top = orders.order[np.arange(len(first)), first]
        top = np.where(alive.any(axis=1), top, n)
    else:
        top = np.full(len(orders.lengths), n, dtype=np.intp)
    bins = ExactBins(orders.weight_units, class_count * width)
    bins.add(orders.class_index * width + top)
    per_class = bins.totals().reshape(class_count, width)
    return [int(value) for value in scale.numerators(per_class)]


def _break_tie(tied: list[int], history: list[list[int]]) -> list[int]:
    """Narrow ``tied`` by the most recent earlier round in which their totals differ
    (backwards tie-breaking, as the Scottish STV rules 49(2)/51(2)(a) that our STV follows, so
    one-seat STV and instant-runoff agree); then the next most recent, and so on."""
    for totals in reversed(history[:-1]):
        lowest = min(totals[i] for i in tied)
        narrowed = [i for i in tied if totals[i] == lowest]
        tied = narrowed
        if len(tied) == 1:
            break
    return tied


class InstantRunoffMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.signedinteger[Any]]:
        return encode_rankings(ballots, rules)

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        options = rules.options
        n = len(options)
        matrix = check_rank_matrix(columns, rules)
        class_count = len(rules.classes)
        cast = sum_by_key(columns.class_index, columns.weight_units, class_count)
        turnout = assess_turnout(cast, scaling, rules)
        orders = build_orders(columns, matrix, n)
        scale = CommonScale.of(scaling)

        empty = orders.lengths == 0
        abstained_bins = ExactBins(orders.weight_units[empty], class_count)
        abstained_bins.add(orders.class_index[empty])
        abstained = int(scale.numerators(abstained_bins.totals().reshape(class_count, 1))[0])

        continuing = np.ones(n + 1, dtype=np.bool_)
        continuing[n] = False
        history: list[list[int]] = []
        rounds: list[dict[str, object]] = []
        eliminated_groups: list[tuple[int, ...]] = []
        winner: int | None = None
        unbreakable: list[int] = []
        while True:
            totals = _round_totals(orders, continuing, class_count, scale)
            history.append(totals)
            alive = [i for i in range(n) if continuing[i]]
            weight = sum(totals[i] for i in alive)
            record: dict[str, object] = {
                "round": len(rounds) + 1,
                "totals": {options[i]: to_decimal(scale.fraction(totals[i])) for i in alive},
                "continuing": to_decimal(scale.fraction(weight)),
                "exhausted": to_decimal(scale.fraction(totals[n] - abstained)),
                "eliminated": (),
            }
            rounds.append(record)
            if weight == 0:
                break
            leader = max(alive, key=lambda i: totals[i])
            if 2 * totals[leader] > weight:
                winner = leader
                break
            lowest = min(totals[i] for i in alive)
            group = [i for i in alive if totals[i] == lowest]
            others = [totals[i] for i in alive if totals[i] != lowest]
            if len(group) > 1 and not (others and len(group) * lowest < min(others)):
                group = _break_tie(group, history)
                if len(group) > 1:
                    unbreakable = group
                    break
            record["eliminated"] = tuple(options[i] for i in group)
            eliminated_groups.append(tuple(group))
            continuing[group] = False

        alive = [i for i in range(n) if continuing[i]]
        ranking: list[tuple[str, ...]] = []
        if winner is not None:
            ranking.append((options[winner],))
            rest = [i for i in alive if i != winner]
            last = history[-1]
            ranking.extend(rank([options[i] for i in rest], [Fraction(last[i]) for i in rest]))
        elif alive:
            ranking.append(tuple(options[i] for i in alive))
        ranking.extend(tuple(options[i] for i in group) for group in reversed(eliminated_groups))

        winners: tuple[str, ...]
        tied: tuple[str, ...]
        if not turnout.quorum_reached:
            outcome, winners, tied = Outcome.NO_QUORUM, (), ()
        elif winner is not None:
            outcome, winners, tied = Outcome.PASSED, (options[winner],), ()
        elif unbreakable:
            outcome, winners, tied = Outcome.TIE, (), tuple(options[i] for i in alive)
        else:
            outcome, winners, tied = Outcome.REJECTED, (), ()

        first_round = history[0]
        details: dict[str, object] = {
            "rounds": tuple(rounds),
            "abstained": to_decimal(scale.fraction(abstained)),
        }
        if unbreakable:
            details["tied_for_elimination"] = tuple(options[i] for i in unbreakable)
        return build_result(
            rules,
            scaling,
            turnout,
            outcome=outcome,
            totals={option: scale.fraction(first_round[j]) for j, option in enumerate(options)},
            ballot_count=len(columns),
            threshold_reached=None,
            winners=winners,
            tied=tied,
            ranking=tuple(ranking),
            details=details,
        )


INSTANT_RUNOFF_METHOD = InstantRunoffMethod()
"""Register under ``Method.INSTANT_RUNOFF`` (``tally(..., methods={**METHODS, ...})``)."""
