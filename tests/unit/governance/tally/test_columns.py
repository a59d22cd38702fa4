from decimal import Decimal

import numpy as np
import pytest

from governance.tally import (
    Ballot,
    BallotColumns,
    InvalidBallot,
    MajorityChoice,
    Method,
    Rules,
    tally,
    tally_columns,
    to_columns,
)
from tests.unit.governance.tally.builders import majority_ballots, majority_rules, members


def columns(
    class_index: list[int], units: list[int], codes: list[int], refs: tuple[str, ...] | None = None
) -> BallotColumns:
    return BallotColumns(
        class_index=np.array(class_index),
        weight_units=np.array(units),
        choices=np.array(codes, dtype=np.int8),
        refs=refs,
    )


def test_to_columns__encodes_class_weight_and_choice_codes() -> None:
    rules = Rules(
        Method.MAJORITY,
        members("worker", 5) + members("user", 5),
    )
    ballots = [
        Ballot("user", Decimal("1.25"), MajorityChoice.NO),
        Ballot("worker", Decimal(2), MajorityChoice.ABSTAIN),
        Ballot("worker", Decimal(1), MajorityChoice.YES),
    ]

    built = to_columns(ballots, rules)

    assert built.class_index.tolist() == [1, 0, 0]
    assert built.weight_units.tolist() == [1_250_000, 2_000_000, 1_000_000]
    assert built.choices.tolist() == [1, 2, 0]
    assert built.refs is None
    assert len(built) == 3


def test_tally_columns__equals_the_dataclass_path() -> None:
    rules = majority_rules()
    built = columns([0] * 5, [1_000_000] * 5, [0, 0, 1, 2, 0])

    assert tally_columns(built, rules) == tally(majority_ballots(yes=3, no=1, abstain=1), rules)


def test_columns__rows_must_line_up() -> None:
    with pytest.raises(InvalidBallot, match="one row per ballot"):
        columns([0, 0], [1], [0, 0])
    with pytest.raises(InvalidBallot, match="refs needs one entry per ballot"):
        columns([0], [1], [0], refs=("a", "b"))


def test_columns__weights_must_be_integer_units() -> None:
    with pytest.raises(InvalidBallot, match="weight_units must hold integers"):
        BallotColumns(
            class_index=np.zeros(1, dtype=np.intp),
            weight_units=np.ones(1, dtype=np.float64),
            choices=np.zeros(1, dtype=np.int8),
        )


def test_tally_columns__class_index_outside_the_rules_is_refused() -> None:
    with pytest.raises(InvalidBallot, match="class index 1"):
        tally_columns(columns([0, 1], [1, 1], [0, 0]), majority_rules())
    with pytest.raises(InvalidBallot, match="class index -1"):
        tally_columns(columns([-1], [1], [0]), majority_rules())


def test_tally_columns__negative_weight_is_refused() -> None:
    with pytest.raises(InvalidBallot, match="negative weight"):
        tally_columns(columns([0], [-1], [0]), majority_rules())


def test_tally_columns__choice_code_outside_the_method_is_refused() -> None:
    with pytest.raises(InvalidBallot, match=r"outside 0\.\.2"):
        tally_columns(columns([0], [1], [3]), majority_rules())
