"""Schulze (winning votes): literature vectors, ties, validation, columns and caps."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from governance.tally import (
    METHODS,
    Ballot,
    BallotColumns,
    ClassWeight,
    InvalidBallot,
    InvalidRules,
    Method,
    Outcome,
    Rules,
    class_scaling,
    tally,
    tally_columns,
)
from governance.tally.exact import to_decimal
from governance.tally.methods.irv import INSTANT_RUNOFF_METHOD
from governance.tally.methods.schulze import SCHULZE_METHOD, strongest_paths

RANKED = {**METHODS, Method.SCHULZE: SCHULZE_METHOD, Method.INSTANT_RUNOFF: INSTANT_RUNOFF_METHOD}


def rules(options: str | tuple[str, ...], eligible: int = 100, **kwargs: object) -> Rules:
    return Rules(
        Method.SCHULZE,
        (ClassWeight("member", Decimal(eligible)),),
        options=tuple(options),
        **kwargs,  # type: ignore[arg-type]
    )


def profile(*groups: tuple[int, str | tuple[str, ...]]) -> list[Ballot]:
    return [
        Ballot("member", Decimal(1), tuple(order)) for count, order in groups for _ in range(count)
    ]


def as_ints(table: object) -> list[list[int]]:
    return [[int(value) for value in row] for row in table]  # type: ignore[attr-defined]


WIKIPEDIA_45 = profile(
    (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
    (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC"),
)  # fmt: skip


def test_schulze__classic_45_voter_example() -> None:
    """Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
    Condorcet-consistent single-winner election method", Social Choice and Welfare 36
    (2011), and the Wikipedia article "Schulze method" (section "Example"): 45 voters over
    A–E; the published pairwise matrix d, strongest paths p, winner E and ranking
    E > A > C > B > D."""
    result = tally(WIKIPEDIA_45, rules("ABCDE", eligible=45), methods=RANKED)

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("E",)
    assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.details["options"] == ("A", "B", "C", "D", "E")
    assert as_ints(result.details["pairwise"]) == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert as_ints(result.details["strongest_paths"]) == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    assert result.threshold_reached is None
    assert result.cast_weight == 45 and result.turnout == 1


TENNESSEE = (
    (42, ("Memphis", "Nashville", "Chattanooga", "Knoxville")),
    (26, ("Nashville", "Chattanooga", "Knoxville", "Memphis")),
    (15, ("Chattanooga", "Knoxville", "Nashville", "Memphis")),
    (17, ("Knoxville", "Chattanooga", "Nashville", "Memphis")),
)
CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


def test_schulze__tennessee_capital_elects_the_condorcet_winner_nashville() -> None:
    """Wikipedia, "Condorcet method" and "Schulze method" (the Tennessee capital example):
    Memphis 42 %, Nashville 26 %, Chattanooga 15 %, Knoxville 17 %. Nashville beats every
    other city pairwise (68–32 against Memphis, 68–32 against Chattanooga and Knoxville),
    so Schulze elects Nashville; the published ranking is Nashville > Chattanooga >
    Knoxville > Memphis."""
    ballots = [Ballot("member", Decimal(share), order) for share, order in TENNESSEE]

    result = tally(ballots, rules(CITIES), methods=RANKED)

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("Nashville",)
    assert result.ranking == (("Nashville",), ("Chattanooga",), ("Knoxville",), ("Memphis",))
    assert as_ints(result.details["pairwise"]) == [
        [0, 42, 42, 42],
        [58, 0, 68, 68],
        [58, 32, 0, 83],
        [58, 32, 17, 0],
    ]
    assert dict(result.totals) == {
        "Memphis": 42,
        "Nashville": 26,
        "Chattanooga": 15,
        "Knoxville": 17,
    }


def test_schulze__cycle_with_equal_strengths_is_a_tie() -> None:
    # A > B > C > A, each 2–1: every strongest path is 2, nothing separates the options.
    ballots = profile((1, "ABC"), (1, "BCA"), (1, "CAB"))

    result = tally(ballots, rules("ABC", eligible=3), methods=RANKED)

    assert result.outcome is Outcome.TIE
    assert result.winners == ()
    assert result.tied == ("A", "B", "C")
    assert result.ranking == (("A", "B", "C"),)


def test_schulze__tie_for_first_but_ranking_below_it() -> None:
    ballots = profile((1, "ABC"), (1, "BAC"))

    result = tally(ballots, rules("ABC", eligible=2), methods=RANKED)

    assert result.outcome is Outcome.TIE
    assert result.tied == ("A", "B")
    assert result.ranking == (("A", "B"), ("C",))


def test_schulze__unranked_options_share_last_place() -> None:
    # "B" alone beats A and C (both unranked); A and C are never compared.
    result = tally(profile((3, "B"), (1, "A")), rules("ABC", eligible=4), methods=RANKED)

    assert result.winners == ("B",)
    assert as_ints(result.details["pairwise"]) == [[0, 1, 1], [3, 0, 3], [0, 0, 0]]
    assert result.ranking == (("B",), ("A",), ("C",))


def test_schulze__empty_ballots_count_for_quorum_only() -> None:
    ballots = profile((2, ""), (1, "A"))

    result = tally(ballots, rules("AB", eligible=4, quorum=Decimal("0.75")), methods=RANKED)
    assert result.outcome is Outcome.PASSED and result.winners == ("A",)
    assert result.cast_weight == 3

    nobody = tally(profile((3, "")), rules("AB", eligible=4), methods=RANKED)
    assert nobody.outcome is Outcome.REJECTED and nobody.winners == ()

    short = tally(ballots, rules("AB", eligible=5, quorum=Decimal("0.75")), methods=RANKED)
    assert short.outcome is Outcome.NO_QUORUM and short.winners == ()
    assert short.ranking == (("A",), ("B",))


def test_schulze__class_caps_scale_the_pairwise_matrix() -> None:
    # 10 workers prefer B, 90 supporters (capped at 20 %) prefer A: B wins 80 to 20.
    classes = (
        ClassWeight("worker", Decimal(10)),
        ClassWeight("supporter", Decimal(90), cap=Decimal("0.2")),
    )
    ballots = [Ballot("worker", Decimal(1), ("B", "A")) for _ in range(10)] + [
        Ballot("supporter", Decimal(1), ("A", "B")) for _ in range(90)
    ]

    result = tally(ballots, Rules(Method.SCHULZE, classes, options=("A", "B")), methods=RANKED)

    assert result.winners == ("B",)
    assert as_ints(result.details["pairwise"]) == [[0, 20], [80, 0]]
    assert result.class_factors == {"worker": 8, "supporter": Decimal("0.222222222222")}


def test_schulze__exact_fractional_weights() -> None:
    # Class "a" (eligible 2) is held at a third of T = 2.666666; "b" gets two thirds.
    classes = (
        ClassWeight("a", Decimal(2), cap=Fraction(1, 3)),
        ClassWeight("b", Decimal("0.666666")),
    )
    ballots = [
        Ballot("a", Decimal(1), ("X", "Y")),
        Ballot("a", Decimal(1), ("X", "Y")),
        Ballot("b", Decimal("0.666666"), ("Y", "X")),
    ]
    result = tally(ballots, Rules(Method.SCHULZE, classes, options=("X", "Y")), methods=RANKED)

    total = Fraction("2.666666")
    assert result.winners == ("Y",)
    assert result.details["pairwise"] == (
        (Decimal(0), to_decimal(total / 3)),
        (to_decimal(2 * total / 3), Decimal(0)),
    )


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("A", "A"), "twice"),
        (("A", "Z"), "unknown option"),
        (("A", "B", "C", "A"), "ranks 4 options"),
        ("AB", "tuple"),
        (frozenset({"A"}), "tuple"),
        (("A", 3), "unknown option"),
    ],
)
def test_schulze__bad_rankings_are_refused(choice: object, message: str) -> None:
    with pytest.raises(InvalidBallot, match=message):
        tally([Ballot("member", Decimal(1), choice)], rules("ABC"), methods=RANKED)  # type: ignore[arg-type]


def test_schulze__max_choices_limits_the_ranking_length() -> None:
    with pytest.raises(InvalidBallot, match="more than 2"):
        tally(profile((1, "ABC")), rules("ABC", max_choices=2), methods=RANKED)


def test_schulze__more_than_one_seat_is_refused() -> None:
    with pytest.raises(InvalidRules, match="seats"):
        tally(profile((1, "AB")), rules("ABC", seats=2), methods=RANKED)


def columns(matrix: list[list[int]]) -> BallotColumns:
    count = len(matrix)
    return BallotColumns(
        class_index=np.zeros(count, dtype=np.intp),
        weight_units=np.full(count, 1_000_000, dtype=np.int64),
        choices=np.array(matrix, dtype=np.int8).reshape(count, 3),
    )


@pytest.mark.parametrize(
    "row",
    [[1, 1, 0], [2, 0, 0], [1, 3, 0], [0, 0, 4], [-1, 0, 0], [1, 2, 2]],
)
def test_schulze__columns_with_bad_ranks_are_refused(row: list[int]) -> None:
    with pytest.raises(InvalidBallot):
        tally_columns(columns([[1, 2, 3], row]), rules("ABC"), methods=RANKED)


def test_schulze__columns_equal_the_friendly_path() -> None:
    # Rank matrix: rank per option (1 = best), 0 = unranked.
    matrix = [[1, 2, 3], [0, 1, 0], [3, 1, 2], [0, 0, 0], [2, 0, 1]]
    ballots = profile((1, "ABC"), (1, "B"), (1, "BCA"), (1, ""), (1, "CA"))

    by_columns = tally_columns(columns(matrix), rules("ABC"), methods=RANKED)
    by_ballots = tally(ballots, rules("ABC"), methods=RANKED)

    assert by_columns == by_ballots


def test_schulze__float_rank_matrix_is_refused() -> None:
    bad = BallotColumns(
        class_index=np.zeros(1, dtype=np.intp),
        weight_units=np.full(1, 1, dtype=np.int64),
        choices=np.array([[1.0, 0.0, 0.0]]),
    )
    with pytest.raises(InvalidBallot, match="integer"):
        tally_columns(bad, rules("ABC"), methods=RANKED)


def test_schulze__huge_weights_keep_exact_python_integers() -> None:
    # Numerators beyond int64 stay Python integers; the widest path gives the same answer.
    small = np.array([[0, 20, 26], [25, 0, 16], [19, 29, 0]], dtype=np.int64)
    huge = small.astype(object) * 2**70
    assert (strongest_paths(huge) == strongest_paths(small).astype(object) * 2**70).all()

    options = ("X", "Y")
    heavy = Decimal(4_000_000_000_000)
    classes = (
        ClassWeight("a", heavy * 2, cap=Fraction(1, 7)),
        ClassWeight("b", heavy, cap=Fraction(5, 11)),
        ClassWeight("c", Decimal("0.000003")),
    )
    ballots = [
        Ballot("a", heavy, ("X", "Y")),
        Ballot("a", heavy, ("X", "Y")),
        Ballot("b", heavy, ("Y",)),
        Ballot("c", Decimal("0.000003"), ("X",)),
    ]
    election = Rules(Method.SCHULZE, classes, options=options)
    result = tally(ballots, election, methods=RANKED)

    factor = dict(zip("abc", class_scaling(classes).factors, strict=True))
    x_over_y = factor["a"] * 2 * Fraction(heavy) + factor["c"] * Fraction("0.000003")
    y_over_x = factor["b"] * Fraction(heavy)
    assert x_over_y != y_over_x
    assert result.winners == (("X",) if x_over_y > y_over_x else ("Y",))
    assert result.details["pairwise"] == (
        (Decimal(0), to_decimal(x_over_y)),
        (to_decimal(y_over_x), Decimal(0)),
    )
