from decimal import Decimal
from fractions import Fraction

import pytest

from governance.tally import (
    ClassWeight,
    InvalidBallot,
    MajorityChoice,
    Method,
    Outcome,
    Rules,
    class_scaling,
    tally,
)
from tests.unit.governance.tally.builders import ballots

WORKERS_AND_SUPPORTERS = (
    ClassWeight("worker", Decimal(10)),
    ClassWeight("supporter", Decimal(90), cap=Decimal("0.2")),
)


def shares(classes: tuple[ClassWeight, ...]) -> dict[str, Fraction]:
    scaling = class_scaling(classes)
    total = scaling.eligible_weight
    return {
        class_id: factor * eligible / total
        for class_id, factor, eligible in zip(
            scaling.class_ids, scaling.factors, scaling.eligible, strict=True
        )
    }


def test_caps__supporters_capped_at_20_percent_leave_80_percent_to_workers() -> None:
    scaling = class_scaling(WORKERS_AND_SUPPORTERS)

    assert scaling.factors == (Fraction(8), Fraction(2, 9))
    assert scaling.held == frozenset({"supporter"})
    assert scaling.eligible_weight == 100
    assert shares(WORKERS_AND_SUPPORTERS) == {"worker": Fraction(4, 5), "supporter": Fraction(1, 5)}


def test_caps__a_cap_above_the_class_share_changes_nothing() -> None:
    classes = (
        ClassWeight("worker", Decimal(90)),
        ClassWeight("supporter", Decimal(10), cap=Decimal("0.2")),
    )

    assert class_scaling(classes).factors == (Fraction(1), Fraction(1))
    assert class_scaling(classes).held == frozenset()


def test_caps__a_class_exactly_at_its_cap_is_not_scaled() -> None:
    classes = (
        ClassWeight("worker", Decimal(80)),
        ClassWeight("supporter", Decimal(20), cap=Decimal("0.2")),
    )

    assert class_scaling(classes).factors == (Fraction(1), Fraction(1))


def test_caps__holding_one_class_can_push_another_over_its_cap() -> None:
    # Round 1: c at 65 % > 50 % is held. Round 2: a and b share 50 %, b gets 35.7 % > 30 %,
    # so b is held too. Round 3: a gets the remaining 20 %.
    classes = (
        ClassWeight("a", Decimal(10)),
        ClassWeight("b", Decimal(25), cap=Decimal("0.3")),
        ClassWeight("c", Decimal(65), cap=Decimal("0.5")),
    )

    assert shares(classes) == {"a": Fraction(1, 5), "b": Fraction(3, 10), "c": Fraction(1, 2)}
    assert class_scaling(classes).held == frozenset({"b", "c"})


def test_caps__all_classes_capped_below_one_are_read_as_proportions() -> None:
    classes = (
        ClassWeight("worker", Decimal(10), cap=Decimal("0.5")),
        ClassWeight("supporter", Decimal(90), cap=Decimal("0.2")),
    )

    assert shares(classes) == {"worker": Fraction(5, 7), "supporter": Fraction(2, 7)}
    assert class_scaling(classes).eligible_weight == 100


def test_caps__fixed_college_shares_summing_to_one() -> None:
    classes = (
        ClassWeight("worker", Decimal(10), cap=Decimal("0.5")),
        ClassWeight("user", Decimal(60), cap=Decimal("0.3")),
        ClassWeight("supporter", Decimal(30), cap=Decimal("0.2")),
    )

    assert shares(classes) == {
        "worker": Fraction(1, 2),
        "user": Fraction(3, 10),
        "supporter": Fraction(1, 5),
    }


def test_caps__a_class_with_no_eligible_weight_takes_no_part() -> None:
    classes = (
        ClassWeight("worker", Decimal(10)),
        ClassWeight("user", Decimal(0), cap=Decimal("0.3")),
        ClassWeight("supporter", Decimal(90), cap=Decimal("0.2")),
    )

    scaling = class_scaling(classes)

    assert scaling.factors == (Fraction(8), Fraction(1), Fraction(2, 9))


def test_caps__scaled_weights_decide_the_vote() -> None:
    rules = Rules(Method.MAJORITY, WORKERS_AND_SUPPORTERS)
    cast = ballots(MajorityChoice.YES, 10, "worker") + ballots(MajorityChoice.NO, 90, "supporter")

    result = tally(cast, rules)

    assert result.totals["yes"] == 80
    assert result.totals["no"] == 20
    assert result.outcome is Outcome.PASSED
    assert dict(result.class_factors) == {
        "worker": Decimal(8),
        "supporter": Decimal("0.222222222222"),
    }


def test_caps__quorum_uses_scaled_weight() -> None:
    rules = Rules(Method.MAJORITY, WORKERS_AND_SUPPORTERS, quorum=Decimal("0.5"))

    result = tally(ballots(MajorityChoice.YES, 10, "worker"), rules)

    assert result.cast_weight == 80
    assert result.eligible_weight == 100
    assert result.turnout == Decimal("0.8")
    assert result.quorum_reached is True


def test_caps__a_class_casting_more_than_its_eligible_weight_is_refused() -> None:
    rules = Rules(Method.MAJORITY, WORKERS_AND_SUPPORTERS)

    with pytest.raises(InvalidBallot, match="'worker' cast more weight than it has eligible"):
        tally(ballots(MajorityChoice.YES, 11, "worker"), rules)


def test_caps__unknown_class_is_refused() -> None:
    rules = Rules(Method.MAJORITY, WORKERS_AND_SUPPORTERS)

    with pytest.raises(InvalidBallot, match="unknown membership class 'guest'"):
        tally(ballots(MajorityChoice.YES, 1, "guest"), rules)
