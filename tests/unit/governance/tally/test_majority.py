from decimal import Decimal
from fractions import Fraction

import pytest

from governance.tally import (
    Ballot,
    Comparison,
    InvalidBallot,
    MajorityChoice,
    Method,
    Outcome,
    Rules,
    tally,
)
from tests.unit.governance.tally.builders import majority_ballots, majority_rules, members


def test_majority__more_yes_than_no_passes() -> None:
    result = tally(majority_ballots(yes=6, no=4), majority_rules())

    assert result.outcome is Outcome.PASSED
    assert result.passed
    assert result.threshold_reached is True
    assert dict(result.totals) == {"yes": Decimal(6), "no": Decimal(4), "abstain": Decimal(0)}
    assert result.details["yes_share"] == Decimal("0.6")
    assert result.ballot_count == 10


def test_majority__exact_half_fails_with_more_than() -> None:
    result = tally(majority_ballots(yes=5, no=5), majority_rules())

    assert result.threshold_reached is False
    assert result.outcome is Outcome.REJECTED


def test_majority__exact_half_passes_with_at_least() -> None:
    rules = majority_rules(comparison=Comparison.AT_LEAST)

    result = tally(majority_ballots(yes=5, no=5), rules)

    assert result.threshold_reached is True
    assert result.outcome is Outcome.PASSED


def test_supermajority__two_yes_one_no_reaches_two_thirds_at_least() -> None:
    rules = Rules(
        Method.SUPERMAJORITY,
        members(eligible=3),
        threshold=Fraction(2, 3),
        comparison=Comparison.AT_LEAST,
    )

    result = tally(majority_ballots(yes=2, no=1), rules)

    assert result.outcome is Outcome.PASSED
    assert result.method is Method.SUPERMAJORITY
    assert result.details["yes_share"] == Decimal("0.666666666667")


def test_supermajority__two_yes_one_no_is_not_more_than_two_thirds() -> None:
    rules = Rules(Method.SUPERMAJORITY, members(eligible=3), threshold=Fraction(2, 3))

    result = tally(majority_ballots(yes=2, no=1), rules)

    assert result.threshold_reached is False
    assert result.outcome is Outcome.REJECTED


def test_supermajority__a_rounded_decimal_threshold_is_not_two_thirds() -> None:
    # Why thresholds accept Fraction: 0.6667 is stricter than 2/3.
    rules = Rules(
        Method.SUPERMAJORITY,
        members(eligible=3),
        threshold=Decimal("0.6667"),
        comparison=Comparison.AT_LEAST,
    )

    assert tally(majority_ballots(yes=2, no=1), rules).outcome is Outcome.REJECTED


def test_majority__abstentions_count_for_quorum_only() -> None:
    rules = majority_rules(eligible=10, quorum=Decimal("0.5"))

    with_abstentions = tally(majority_ballots(yes=2, no=1, abstain=2), rules)
    without = tally(majority_ballots(yes=2, no=1), rules)

    assert with_abstentions.quorum_reached is True
    assert with_abstentions.outcome is Outcome.PASSED
    assert with_abstentions.details["yes_share"] == without.details["yes_share"]
    assert without.quorum_reached is False
    assert without.outcome is Outcome.NO_QUORUM


def test_majority__quorum_reached_exactly_at_the_boundary() -> None:
    rules = majority_rules(eligible=10, quorum=Decimal("0.4"))

    at_quorum = tally(majority_ballots(yes=4), rules)
    just_below = tally(majority_ballots(yes=3), rules)

    assert at_quorum.turnout == Decimal("0.4")
    assert at_quorum.quorum_reached is True
    assert at_quorum.outcome is Outcome.PASSED
    assert just_below.turnout == Decimal("0.3")
    assert just_below.outcome is Outcome.NO_QUORUM


def test_majority__no_quorum_even_when_everyone_present_says_yes() -> None:
    result = tally(majority_ballots(yes=3), majority_rules(eligible=10, quorum=Decimal("0.5")))

    assert result.threshold_reached is True
    assert result.outcome is Outcome.NO_QUORUM


def test_majority__only_abstentions_is_rejected() -> None:
    result = tally(majority_ballots(abstain=6), majority_rules(quorum=Decimal("0.5")))

    assert result.quorum_reached is True
    assert result.threshold_reached is False
    assert result.outcome is Outcome.REJECTED
    assert result.details["yes_share"] is None


def test_majority__no_ballots_at_all_is_no_quorum() -> None:
    result = tally([], majority_rules(quorum=Decimal("0.1")))

    assert result.cast_weight == 0
    assert result.turnout == 0
    assert result.outcome is Outcome.NO_QUORUM


def test_majority__unanimity_threshold_at_least_one() -> None:
    rules = majority_rules(threshold=Decimal(1), comparison=Comparison.AT_LEAST)

    assert tally(majority_ballots(yes=3, abstain=1), rules).outcome is Outcome.PASSED
    assert tally(majority_ballots(yes=3, no=1), rules).outcome is Outcome.REJECTED


def test_majority__weights_decide_not_heads() -> None:
    rules = majority_rules(eligible=20)
    ballots = [
        Ballot("member", Decimal("2.5"), MajorityChoice.YES),
        Ballot("member", Decimal(1), MajorityChoice.NO),
        Ballot("member", Decimal(1), MajorityChoice.NO),
    ]

    result = tally(ballots, rules)

    assert result.totals["yes"] == Decimal("2.5")
    assert result.cast_weight == Decimal("4.5")
    assert result.turnout == Decimal("0.225")
    assert result.outcome is Outcome.PASSED


def test_majority__choice_may_be_given_as_its_string_value() -> None:
    ballots = [Ballot("member", Decimal(1), "yes")]  # type: ignore[arg-type]

    assert tally(ballots, majority_rules()).totals["yes"] == 1


@pytest.mark.parametrize("choice", ["maybe", frozenset({"yes"}), {"yes": 1}])
def test_majority__unknown_choice_is_refused(choice: object) -> None:
    odd = Ballot("member", Decimal(1), choice)  # type: ignore[arg-type]
    ballots = [*majority_ballots(yes=1), odd]

    with pytest.raises(InvalidBallot, match="Ballot 1"):
        tally(ballots, majority_rules())
