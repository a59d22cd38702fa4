from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from governance.tally import (
    Ballot,
    BallotColumns,
    InvalidBallot,
    Method,
    Outcome,
    Rules,
    tally,
    tally_columns,
)
from tests.unit.governance.tally.builders import approvals, members

OPTIONS = ("alpha", "beta", "gamma")


def approval_rules(
    max_choices: int | None = 2, seats: int = 1, quorum: str = "0", eligible: int = 10
) -> Rules:
    return Rules(
        Method.APPROVAL,
        members(eligible=eligible),
        quorum=Decimal(quorum),
        options=OPTIONS,
        max_choices=max_choices,
        seats=seats,
    )


def test_approval__most_approved_option_wins() -> None:
    ballots = approvals({"alpha", "beta"}, {"beta"}, {"beta", "gamma"}, {"alpha"})

    result = tally(ballots, approval_rules())

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("beta",)
    assert result.tied == ()
    assert dict(result.totals) == {"alpha": 2, "beta": 3, "gamma": 1}
    assert result.ranking == (("beta",), ("alpha",), ("gamma",))
    assert result.threshold_reached is None


def test_approval__tie_for_first_is_reported_not_picked() -> None:
    result = tally(approvals({"alpha"}, {"beta"}, {"gamma", "alpha"}, {"beta"}), approval_rules())

    assert result.outcome is Outcome.TIE
    assert result.winners == ()
    assert result.tied == ("alpha", "beta")
    assert result.ranking == (("alpha", "beta"), ("gamma",))


def test_approval__more_than_k_choices_is_refused() -> None:
    ballots = approvals({"alpha"}, {"alpha", "beta", "gamma"})

    with pytest.raises(InvalidBallot, match="Ballot 1 approves 3 options, more than 2"):
        tally(ballots, approval_rules(max_choices=2))


def test_approval__exactly_k_choices_is_accepted() -> None:
    result = tally(approvals({"alpha", "beta"}), approval_rules(max_choices=2))

    assert result.tied == ("alpha", "beta")


def test_approval__no_limit_when_max_choices_is_none() -> None:
    result = tally(approvals({"alpha", "beta", "gamma"}, {"gamma"}), approval_rules(None))

    assert result.winners == ("gamma",)


def test_approval__empty_set_is_an_abstention_counted_for_quorum() -> None:
    rules = approval_rules(quorum="0.3")
    ballots = approvals({"alpha"}, set(), set())

    result = tally(ballots, rules)

    assert result.cast_weight == 3
    assert result.quorum_reached is True
    assert result.winners == ("alpha",)
    assert tally(approvals({"alpha"}, set()), rules).outcome is Outcome.NO_QUORUM


def test_approval__nothing_approved_is_rejected() -> None:
    result = tally(approvals(set(), set()), approval_rules())

    assert result.outcome is Outcome.REJECTED
    assert result.winners == ()
    assert result.ranking == (OPTIONS,)


def test_approval__no_quorum_names_no_winner_but_keeps_totals() -> None:
    result = tally(approvals({"alpha"}), approval_rules(quorum="0.5"))

    assert result.outcome is Outcome.NO_QUORUM
    assert result.winners == ()
    assert result.totals["alpha"] == 1


def test_approval__two_seats_go_to_the_two_best() -> None:
    ballots = approvals({"alpha", "beta"}, {"alpha", "gamma"}, {"beta"})

    result = tally(ballots, approval_rules(seats=2))

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("alpha", "beta")


def test_approval__tie_for_the_last_seat_keeps_the_sure_winner() -> None:
    ballots = approvals({"alpha", "beta"}, {"alpha", "gamma"})

    result = tally(ballots, approval_rules(seats=2))

    assert result.outcome is Outcome.TIE
    assert result.winners == ("alpha",)
    assert result.tied == ("beta", "gamma")


def test_approval__fewer_approved_options_than_seats_leaves_seats_empty() -> None:
    result = tally(approvals({"gamma"}), approval_rules(seats=2))

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("gamma",)


def test_approval__unknown_option_is_refused() -> None:
    with pytest.raises(InvalidBallot, match="unknown option 'delta'"):
        tally(approvals({"delta"}), approval_rules())


@pytest.mark.parametrize("choice", ["alpha", ["alpha"], ("alpha",)])
def test_approval__choice_must_be_a_set(choice: object) -> None:
    with pytest.raises(InvalidBallot, match="set of option ids"):
        tally([Ballot("member", Decimal(1), choice)], approval_rules())  # type: ignore[arg-type]


def test_approval__columns_need_one_boolean_column_per_option() -> None:
    def columns(matrix: NDArray[Any]) -> BallotColumns:
        count = len(matrix)
        return BallotColumns(
            class_index=np.zeros(count, dtype=np.intp),
            weight_units=np.full(count, 1_000_000, dtype=np.int64),
            choices=matrix,
        )

    with pytest.raises(InvalidBallot, match="one column per option"):
        tally_columns(columns(np.zeros((2, 2), dtype=np.bool_)), approval_rules())
    with pytest.raises(InvalidBallot, match="boolean matrix"):
        tally_columns(columns(np.zeros((2, 3), dtype=np.int8)), approval_rules())
