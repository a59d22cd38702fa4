"""Properties of the ranked methods on generated electorates and rankings, checked against
ballot-by-ballot references in exact rationals."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.tally import (
    METHODS,
    Ballot,
    ClassWeight,
    Method,
    Outcome,
    Rules,
    class_scaling,
    tally,
)
from governance.tally.exact import to_decimal
from governance.tally.methods.irv import INSTANT_RUNOFF_METHOD
from governance.tally.methods.schulze import SCHULZE_METHOD

RANKED = {**METHODS, Method.SCHULZE: SCHULZE_METHOD, Method.INSTANT_RUNOFF: INSTANT_RUNOFF_METHOD}
OPTIONS = ("a", "b", "c", "d")
CLASS_IDS = ("worker", "user", "supporter")

weights = st.builds(
    lambda units, places: Decimal(units).scaleb(-places), st.integers(0, 5_000), st.integers(0, 6)
)
caps = st.none() | st.decimals(min_value=Decimal("0.01"), max_value=1, places=2)
rankings = st.permutations(OPTIONS).flatmap(
    lambda order: st.integers(0, len(order)).map(lambda k: tuple(order[:k]))
)


@st.composite
def elections(
    draw: st.DrawFn, method: Method, unit_weights: bool = False, with_caps: bool = True
) -> tuple[Rules, list[Ballot]]:
    class_ids = CLASS_IDS[: draw(st.integers(1, len(CLASS_IDS)))]
    ballots = draw(
        st.lists(
            st.builds(
                Ballot,
                class_id=st.sampled_from(class_ids),
                weight=st.just(Decimal(1)) if unit_weights else weights,
                choice=rankings,
            ),
            max_size=25,
        )
    )
    classes = []
    for class_id in class_ids:
        cast = sum((b.weight for b in ballots if b.class_id == class_id), Decimal(0))
        cap = draw(caps) if with_caps else None
        classes.append(ClassWeight(class_id, cast + draw(st.integers(0, 5)), cap=cap))
    return Rules(method, tuple(classes), options=OPTIONS), ballots


def scaled(rules: Rules) -> dict[str, Fraction]:
    scaling = class_scaling(rules.classes)
    return dict(zip(scaling.class_ids, scaling.factors, strict=True))


def reference_pairwise(rules: Rules, ballots: list[Ballot]) -> dict[tuple[str, str], Fraction]:
    """d[(x, y)]: scaled weight of the ballots ranking x above y (unranked = last)."""
    factor = scaled(rules)
    d = {(x, y): Fraction(0) for x in OPTIONS for y in OPTIONS if x != y}
    for ballot in ballots:
        order = ballot.choice
        assert isinstance(order, tuple)
        position = {
            option: order.index(option) if option in order else len(OPTIONS) for option in OPTIONS
        }
        for x, y in d:
            if position[x] < position[y]:
                d[x, y] += factor[ballot.class_id] * Fraction(ballot.weight)
    return d


def reference_round(
    rules: Rules, ballots: list[Ballot], continuing: set[str]
) -> dict[str, Fraction]:
    factor = scaled(rules)
    totals = {option: Fraction(0) for option in continuing}
    for ballot in ballots:
        for option in ballot.choice:  # type: ignore[union-attr]
            if option in continuing:
                totals[option] += factor[ballot.class_id] * Fraction(ballot.weight)
                break
    return totals


def shuffled(ballots: list[Ballot], seed: int) -> list[Ballot]:
    copy = list(ballots)
    random.Random(seed).shuffle(copy)
    return copy


@given(elections(Method.SCHULZE), st.integers(0, 2**32))
def test_schulze__ballot_order_never_matters(
    election: tuple[Rules, list[Ballot]], seed: int
) -> None:
    rules, ballots = election
    assert tally(ballots, rules, methods=RANKED) == tally(
        shuffled(ballots, seed), rules, methods=RANKED
    )


@given(elections(Method.INSTANT_RUNOFF), st.integers(0, 2**32))
def test_irv__ballot_order_never_matters(election: tuple[Rules, list[Ballot]], seed: int) -> None:
    rules, ballots = election
    assert tally(ballots, rules, methods=RANKED) == tally(
        shuffled(ballots, seed), rules, methods=RANKED
    )


@given(elections(Method.SCHULZE))
def test_schulze__pairwise_matrix_equals_the_reference(
    election: tuple[Rules, list[Ballot]],
) -> None:
    rules, ballots = election
    result = tally(ballots, rules, methods=RANKED)
    d = result.details["pairwise"]
    reference = reference_pairwise(rules, ballots)
    for i, x in enumerate(OPTIONS):
        for j, y in enumerate(OPTIONS):
            expected = Decimal(0) if x == y else to_decimal(reference[x, y])
            assert d[i][j] == expected  # type: ignore[index]


@settings(max_examples=200)
@given(elections(Method.SCHULZE))
def test_schulze__a_condorcet_winner_always_wins(election: tuple[Rules, list[Ballot]]) -> None:
    rules, ballots = election
    d = reference_pairwise(rules, ballots)
    condorcet = [x for x in OPTIONS if all(d[x, y] > d[y, x] for y in OPTIONS if y != x)]
    result = tally(ballots, rules, methods=RANKED)
    if condorcet:
        assert result.outcome is Outcome.PASSED
        assert result.winners == (condorcet[0],)
        assert result.ranking[0] == (condorcet[0],)


@given(elections(Method.SCHULZE))
def test_schulze__winner_is_never_beaten_on_strongest_paths(
    election: tuple[Rules, list[Ballot]],
) -> None:
    rules, ballots = election
    result = tally(ballots, rules, methods=RANKED)
    p = result.details["strongest_paths"]
    flat = [option for group in result.ranking for option in group]
    assert sorted(flat) == sorted(OPTIONS)
    top = [OPTIONS.index(option) for option in result.ranking[0]]
    for i in top:
        assert all(p[i][j] >= p[j][i] for j in range(len(OPTIONS)))  # type: ignore[index]
    if result.outcome is Outcome.TIE:
        assert result.tied == result.ranking[0] and len(result.tied) > 1


@given(elections(Method.INSTANT_RUNOFF))
def test_irv__rounds_equal_the_reference_transfers(election: tuple[Rules, list[Ballot]]) -> None:
    rules, ballots = election
    result = tally(ballots, rules, methods=RANKED)
    entries = result.details["rounds"]
    for entry in entries:  # type: ignore[attr-defined]
        continuing = set(entry["totals"])
        reference = reference_round(rules, ballots, continuing)
        assert entry["totals"] == {k: to_decimal(v) for k, v in reference.items()}
        if entry["eliminated"]:
            lowest = min(reference.values())
            assert all(reference[option] == lowest for option in entry["eliminated"])
    if result.winners:
        last = entries[-1]["totals"]  # type: ignore[index]
        assert 2 * last[result.winners[0]] > sum(last.values())


def aggregate(ballots: list[Ballot]) -> list[Ballot]:
    """One ballot per (class, ranking) with the count as its weight."""
    counts = Counter((b.class_id, b.choice) for b in ballots)
    return [
        Ballot(class_id, Decimal(count), choice) for (class_id, choice), count in counts.items()
    ]


@given(elections(Method.SCHULZE, unit_weights=True))
def test_schulze__weights_of_one_equal_plain_counts(election: tuple[Rules, list[Ballot]]) -> None:
    rules, ballots = election
    plain = Rules(
        Method.SCHULZE,
        tuple(ClassWeight(c.class_id, c.eligible_weight) for c in rules.classes),
        options=OPTIONS,
    )
    result = tally(ballots, plain, methods=RANKED)
    d = result.details["pairwise"]
    for i, x in enumerate(OPTIONS):
        for j, y in enumerate(OPTIONS):
            count = sum(
                1
                for b in ballots
                if x in b.choice  # type: ignore[operator]
                and (y not in b.choice or b.choice.index(x) < b.choice.index(y))  # type: ignore[operator, union-attr]
            )
            assert d[i][j] == (0 if x == y else count)  # type: ignore[index]
    weighted = tally(aggregate(ballots), plain, methods=RANKED)
    assert weighted.details == result.details
    assert (weighted.outcome, weighted.winners, weighted.ranking) == (
        result.outcome,
        result.winners,
        result.ranking,
    )


@given(elections(Method.INSTANT_RUNOFF, unit_weights=True))
def test_irv__weights_of_one_equal_plain_counts(election: tuple[Rules, list[Ballot]]) -> None:
    rules, ballots = election
    plain = Rules(
        Method.INSTANT_RUNOFF,
        tuple(ClassWeight(c.class_id, c.eligible_weight) for c in rules.classes),
        options=OPTIONS,
    )
    result = tally(ballots, plain, methods=RANKED)
    first = Counter(b.choice[0] for b in ballots if b.choice)  # type: ignore[index]
    assert dict(result.totals) == {option: first[option] for option in OPTIONS}
    weighted = tally(aggregate(ballots), plain, methods=RANKED)
    assert weighted.details == result.details
    assert (weighted.outcome, weighted.winners, weighted.ranking) == (
        result.outcome,
        result.winners,
        result.ranking,
    )
