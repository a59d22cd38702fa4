"""Properties every tally keeps, checked on generated electorates and ballots."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from governance.tally import (
    CONSENT_CODES,
    MAJORITY_CODES,
    Ballot,
    BallotColumns,
    Choice,
    ClassWeight,
    Comparison,
    MajorityChoice,
    Method,
    Outcome,
    Rules,
    class_scaling,
    tally,
    tally_columns,
)
from governance.tally.exact import to_decimal

OPTIONS = ("a", "b", "c", "d")
CLASS_IDS = ("worker", "user", "supporter")

weights = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(0, 5_000),
    st.integers(0, 6),
)
shares = st.fractions(min_value=0, max_value=1, max_denominator=12)
caps = st.none() | st.decimals(min_value=Decimal("0.01"), max_value=1, places=2)


def choices_for(method: Method) -> st.SearchStrategy[Choice]:
    if method in (Method.MAJORITY, Method.SUPERMAJORITY):
        return st.sampled_from(MAJORITY_CODES)
    if method is Method.CONSENT:
        return st.sampled_from(CONSENT_CODES)
    if method is Method.APPROVAL:
        return st.frozensets(st.sampled_from(OPTIONS), max_size=3)
    return st.dictionaries(st.sampled_from(OPTIONS), st.integers(0, 5))


@st.composite
def elections(
    draw: st.DrawFn,
    methods: tuple[Method, ...] = tuple(Method)[:5],
    weight: st.SearchStrategy[Decimal] = weights,
    with_caps: bool = True,
    slack: int = 0,
) -> tuple[Rules, list[Ballot]]:
    """Rules and ballots whose eligible weight covers every class's cast weight (+ slack)."""
    method = draw(st.sampled_from(methods))
    class_ids = CLASS_IDS[: draw(st.integers(1, len(CLASS_IDS)))]
    ballots = draw(
        st.lists(
            st.builds(
                Ballot,
                class_id=st.sampled_from(class_ids),
                weight=weight,
                choice=choices_for(method),
                ref=st.sampled_from(("", "r1", "r2")),
            ),
            max_size=30,
        )
    )
    classes = []
    for class_id in class_ids:
        cast = sum((b.weight for b in ballots if b.class_id == class_id), Decimal(0))
        extra = draw(st.integers(0, 20)) + slack
        classes.append(ClassWeight(class_id, cast + extra, cap=draw(caps) if with_caps else None))
    rules = Rules(
        method,
        tuple(classes),
        quorum=draw(shares),
        threshold=draw(shares),
        comparison=draw(st.sampled_from(Comparison)),
        options=OPTIONS,
        max_choices=3,
        seats=draw(st.integers(1, 2)),
    )
    return rules, ballots


def hand_built_columns(rules: Rules, ballots: list[Ballot]) -> BallotColumns:
    """Columns built the way the database layer would, without ``to_columns``."""
    position = [c.class_id for c in rules.classes]
    class_index = np.array([position.index(b.class_id) for b in ballots], dtype=np.intp)
    units = np.array([int(b.weight * 1_000_000) for b in ballots], dtype=np.int64)
    matrix: NDArray[Any]
    if rules.method in (Method.MAJORITY, Method.SUPERMAJORITY):
        matrix = np.array([MAJORITY_CODES.index(b.choice) for b in ballots], dtype=np.int8)
    elif rules.method is Method.CONSENT:
        matrix = np.array([CONSENT_CODES.index(b.choice) for b in ballots], dtype=np.int8)
    elif rules.method is Method.APPROVAL:
        matrix = np.array(
            [[o in b.choice for o in OPTIONS] for b in ballots], dtype=np.bool_
        ).reshape(len(ballots), len(OPTIONS))
    else:
        matrix = np.array(
            [[b.choice.get(o, 0) for o in OPTIONS] for b in ballots],  # type: ignore[union-attr]
            dtype=np.int8,
        ).reshape(len(ballots), len(OPTIONS))
    return BallotColumns(class_index, units, matrix, refs=tuple(b.ref for b in ballots))


def reference_totals(rules: Rules, ballots: list[Ballot]) -> dict[str, Fraction]:
    """Totals computed ballot by ballot in exact rationals: the oracle for the fast path."""
    scaling = class_scaling(rules.classes)
    factor = dict(zip(scaling.class_ids, scaling.factors, strict=True))
    if rules.method in (Method.MAJORITY, Method.SUPERMAJORITY, Method.CONSENT):
        codes = MAJORITY_CODES if rules.method is not Method.CONSENT else CONSENT_CODES
        totals = {str(code.value): Fraction(0) for code in codes}
    else:
        totals = {option: Fraction(0) for option in OPTIONS}
    for b in ballots:
        weight = factor[b.class_id] * Fraction(b.weight)
        if isinstance(b.choice, str):
            totals[str(b.choice)] += weight
        elif isinstance(b.choice, frozenset):
            for option in b.choice:
                totals[option] += weight
        else:
            for option, score in b.choice.items():  # type: ignore[union-attr]
                totals[option] += weight * score
    return totals


@given(elections(), st.randoms(use_true_random=False))
def test_property__ballot_order_does_not_change_the_result(
    election: tuple[Rules, list[Ballot]], rng: random.Random
) -> None:
    rules, ballots = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)

    assert tally(shuffled, rules) == tally(ballots, rules)


@given(elections(), st.randoms(use_true_random=False))
def test_property__columnar_and_dataclass_paths_agree(
    election: tuple[Rules, list[Ballot]], rng: random.Random
) -> None:
    rules, ballots = election

    result = tally(ballots, rules)

    assert tally_columns(hand_built_columns(rules, ballots), rules) == result
    expected = {key: to_decimal(value) for key, value in reference_totals(rules, ballots).items()}
    assert dict(result.totals) == expected


@given(
    elections(methods=(Method.MAJORITY, Method.SUPERMAJORITY), slack=5),
    st.sampled_from(CLASS_IDS),
    weights,
)
def test_property__adding_a_yes_ballot_never_turns_passed_into_rejected(
    election: tuple[Rules, list[Ballot]], class_id: str, weight: Decimal
) -> None:
    rules, ballots = election
    known = [c.class_id for c in rules.classes]
    extra = Ballot(known[CLASS_IDS.index(class_id) % len(known)], weight % 5, MajorityChoice.YES)

    before = tally(ballots, rules)
    after = tally([*ballots, extra], rules)

    if before.outcome is Outcome.PASSED:
        assert after.outcome is Outcome.PASSED
    if before.quorum_reached:
        assert after.quorum_reached


@given(elections(weight=st.just(Decimal(1)), with_caps=False))
def test_property__unit_weights_without_caps_are_a_plain_count(
    election: tuple[Rules, list[Ballot]],
) -> None:
    rules, ballots = election

    result = tally(ballots, rules)

    counts: Counter[str] = Counter()
    for b in ballots:
        if isinstance(b.choice, str):
            counts[str(b.choice)] += 1
        elif isinstance(b.choice, frozenset):
            counts.update(b.choice)
        else:
            for option, score in b.choice.items():  # type: ignore[union-attr]
                counts[option] += score
    assert {key: value for key, value in result.totals.items() if value} == {
        key: Decimal(value) for key, value in counts.items() if value
    }
    assert result.cast_weight == len(ballots)
    assert set(result.class_factors.values()) <= {Decimal(1)}


@given(
    st.lists(
        st.tuples(st.integers(0, 1_000), caps),
        min_size=1,
        max_size=5,
    )
)
def test_property__caps_hold_and_keep_the_total(spec: list[tuple[int, Decimal | None]]) -> None:
    classes = tuple(
        ClassWeight(f"class-{n}", Decimal(eligible), cap=cap)
        for n, (eligible, cap) in enumerate(spec)
    )
    scaling = class_scaling(classes)
    total = sum((Fraction(c.eligible_weight) for c in classes), Fraction(0))
    scaled = [f * e for f, e in zip(scaling.factors, scaling.eligible, strict=True)]

    assert sum(scaled, Fraction(0)) == total
    weighted = [c for c in classes if c.eligible_weight > 0]
    degenerate = bool(weighted) and all(c.class_id in scaling.held for c in weighted)
    free_factors = set()
    for item, share in zip(classes, scaled, strict=True):
        if item.eligible_weight == 0:
            continue
        if item.class_id in scaling.held and not degenerate:
            assert item.cap is not None
            assert share == Fraction(item.cap) * total
        elif not degenerate:
            free_factors.add(share / Fraction(item.eligible_weight))
            if item.cap is not None:
                assert share <= Fraction(item.cap) * total
    assert len(free_factors) <= 1
    if degenerate:
        cap_sum = sum((Fraction(c.cap or 1) for c in weighted), Fraction(0))
        assert cap_sum < 1
