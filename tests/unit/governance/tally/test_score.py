from decimal import Decimal

import numpy as np
import pytest

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
from tests.unit.governance.tally.builders import members

OPTIONS = ("alpha", "beta", "gamma")


def score_rules(quorum: str = "0", seats: int = 1) -> Rules:
    return Rules(
        Method.SCORE, members(eligible=10), quorum=Decimal(quorum), options=OPTIONS, seats=seats
    )


def scores(*maps: dict[str, int], weight: str = "1") -> list[Ballot]:
    return [Ballot("member", Decimal(weight), scores) for scores in maps]


def test_score__highest_weighted_sum_wins() -> None:
    ballots = scores(
        {"alpha": 5, "beta": 3, "gamma": 0},
        {"alpha": 0, "beta": 4, "gamma": 1},
        {"alpha": 2, "beta": 2, "gamma": 5},
    )

    result = tally(ballots, score_rules())

    assert dict(result.totals) == {"alpha": 7, "beta": 9, "gamma": 6}
    assert result.outcome is Outcome.PASSED
    assert result.winners == ("beta",)
    assert result.ranking == (("beta",), ("alpha",), ("gamma",))


def test_score__missing_option_scores_zero() -> None:
    explicit = tally(scores({"alpha": 3, "beta": 0, "gamma": 0}), score_rules())
    implicit = tally(scores({"alpha": 3}), score_rules())

    assert implicit == explicit


def test_score__tie_is_reported() -> None:
    result = tally(scores({"alpha": 4, "beta": 1}, {"alpha": 1, "beta": 4}), score_rules())

    assert result.outcome is Outcome.TIE
    assert result.tied == ("alpha", "beta")
    assert result.winners == ()


def test_score__weights_multiply_scores() -> None:
    ballots = scores({"alpha": 5}, weight="0.5") + scores({"beta": 2}, weight="1.5")

    result = tally(ballots, score_rules())

    assert result.totals["alpha"] == Decimal("2.5")
    assert result.totals["beta"] == Decimal(3)
    assert result.winners == ("beta",)


def test_score__all_zero_is_rejected() -> None:
    result = tally(scores({}, {"alpha": 0}), score_rules(quorum="0.2"))

    assert result.quorum_reached is True
    assert result.outcome is Outcome.REJECTED


def test_score__empty_ballot_counts_for_quorum() -> None:
    result = tally(scores({"alpha": 1}, {}), score_rules(quorum="0.2"))

    assert result.cast_weight == 2
    assert result.outcome is Outcome.PASSED


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"alpha": 6}, "outside 0..5"),
        ({"alpha": -1}, "outside 0..5"),
        ({"alpha": 2.5}, "not an integer"),
        ({"alpha": True}, "not an integer"),
        ({"delta": 1}, "unknown option"),
        (frozenset({"alpha"}), "maps option ids"),
    ],
)
def test_score__bad_scores_are_refused(choice: object, message: str) -> None:
    with pytest.raises(InvalidBallot, match=message):
        tally([Ballot("member", Decimal(1), choice)], score_rules())  # type: ignore[arg-type]


def test_score__columns_outside_the_scale_are_refused() -> None:
    columns = BallotColumns(
        class_index=np.zeros(1, dtype=np.intp),
        weight_units=np.full(1, 1_000_000, dtype=np.int64),
        choices=np.array([[0, 9, 0]], dtype=np.int8),
    )

    with pytest.raises(InvalidBallot, match=r"outside 0\.\.5"):
        tally_columns(columns, score_rules())
