"""Schulze: a single winner and a full ranking from pairwise comparisons (winning votes).

Pairwise matrix. ``d[i][j]`` is the scaled weight of the ballots preferring option ``i`` to
option ``j``: ``i`` is ranked and ``j`` is ranked after it or not at all (unranked options
share last place). Computed without a loop over ballots: with ``S[i]`` the weight of the
ballots ranking ``i`` and ``B[j][i]`` the weight of those ranking ``j`` before ``i``,
``d[i][j] = S[i] − B[j][i]``; ``B`` is one weighted ``bincount`` per pair of positions.

Strongest paths (strength by winning votes). ``p[i][j] = d[i][j]`` if ``d[i][j] > d[j][i]``
else 0; then for every ``k``: ``p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))`` (the
Floyd–Warshall widest path, vectorised over ``i`` and ``j``); the diagonal is 0.

Ranking. ``i`` beats ``j`` when ``p[i][j] > p[j][i]`` (a transitive relation). The first
group holds the options no option beats; the next group those no remaining option beats;
and so on. Inside a group, options keep the order of ``rules.options``.

Outcome: NO_QUORUM when the quorum is not reached; REJECTED when no ballot ranks any
option; TIE when the first group holds several options (``tied``, nothing is picked);
otherwise PASSED with the single winner. ``totals`` are first-preference weights;
``details`` holds ``pairwise`` (``d``) and ``strongest_paths`` (``p``), rows and columns in
the order of ``details["options"]`` (= ``rules.options``), as scaled ``Decimal`` weights.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    as_compact,
    build_orders,
    check_rank_matrix,
    encode_rankings,
)
from governance.tally.quorum import assess_turnout
from governance.tally.types import Ballot, Outcome, Rules, TallyResult
from governance.tally.weights import ClassScaling


def pairwise_units(orders: Orders, class_count: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Per class: ``d`` ``(classes, n, n)`` and first preferences ``(classes, n)`` in weight
    units (object arrays of Python ints)."""
    n = orders.option_count
    width = n + 1
    ranked = ExactBins(orders.weight_units, class_count * width)
    before = ExactBins(orders.weight_units, class_count * width * width)
    first = ExactBins(orders.weight_units, class_count * width)
    base = orders.class_index.astype(np.intp) * width
    pair_base = base * width
    counts = [orders.rows_longer_than(length) for length in range(orders.longest)]
    for p in range(orders.longest):
        rows = counts[p]
        at_p = orders.order[:rows, p]
        ranked.add(base[:rows] + at_p, rows)
        if p == 0:
            first.add(base[:rows] + at_p, rows)
        for q in range(p + 1, orders.longest):
            later = counts[q]
            if not later:
                break
            before.add(
                pair_base[:later] + orders.order[:later, p] * width + orders.order[:later, q],
                later,
            )
    s = ranked.totals().reshape(class_count, width)[:, :n]
    b = before.totals().reshape(class_count, width, width)[:, :n, :n]
    d = s[:, :, None] - np.transpose(b, (0, 2, 1))
    for block in d:
        np.fill_diagonal(block, 0)
    return d, first.totals().reshape(class_count, width)[:, :n]


def strongest_paths(d: NDArray[Any]) -> NDArray[Any]:
    """Widest paths by winning votes (see the module docstring)."""
    p = np.where(d > d.T, d, 0).astype(d.dtype)
    for k in range(len(d)):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    return p


def schulze_ranking(options: Sequence[str], paths: NDArray[Any]) -> tuple[tuple[str, ...], ...]:
    beats = paths > paths.T
    remaining = list(range(len(options)))
    groups: list[tuple[str, ...]] = []
    while remaining:
        group = [i for i in remaining if not any(beats[j, i] for j in remaining)]
        if not group:  # cannot happen (the relation is transitive); never loop forever
            group = list(remaining)
        groups.append(tuple(options[i] for i in group))
        remaining = [i for i in remaining if i not in group]
    return tuple(groups)


class SchulzeMethod:
    def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[np.signedinteger[Any]]:
        return encode_rankings(ballots, rules)

    def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
        n = len(rules.options)
        matrix = check_rank_matrix(columns, rules)
        class_count = len(rules.classes)
        cast = sum_by_key(columns.class_index, columns.weight_units, class_count)
        turnout = assess_turnout(cast, scaling, rules)
        orders = build_orders(columns, matrix, n)
        scale = CommonScale.of(scaling)
        d_units, first_units = pairwise_units(orders, class_count)
        d = as_compact(scale.numerators(d_units))
        first = scale.numerators(first_units)
        paths = strongest_paths(d)
        ranking = schulze_ranking(rules.options, paths)
        ranked_weight = sum(int(value) for value in first) > 0
        winners: tuple[str, ...]
        tied: tuple[str, ...]
        if not turnout.quorum_reached:
            outcome, winners, tied = Outcome.NO_QUORUM, (), ()
        elif not ranked_weight:
            outcome, winners, tied = Outcome.REJECTED, (), ()
        elif len(ranking[0]) > 1:
            outcome, winners, tied = Outcome.TIE, (), ranking[0]
        else:
            outcome, winners, tied = Outcome.PASSED, ranking[0], ()

        def table(values: NDArray[Any]) -> tuple[tuple[Any, ...], ...]:
            return tuple(
                tuple(to_decimal(scale.fraction(values[i, j])) for j in range(n)) for i in range(n)
            )

        return build_result(
            rules,
            scaling,
            turnout,
            outcome=outcome,
            totals={option: scale.fraction(first[j]) for j, option in enumerate(rules.options)},
            ballot_count=len(columns),
            threshold_reached=None,
            winners=winners,
            tied=tied,
            ranking=ranking,
            details={
                "options": tuple(rules.options),
                "pairwise": table(d),
                "strongest_paths": table(paths),
            },
        )


SCHULZE_METHOD = SchulzeMethod()
"""Register under ``Method.SCHULZE`` (``tally(..., methods={**METHODS, ...})`` until then)."""
