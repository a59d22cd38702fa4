"""Instant-runoff: literature vectors, rounds, exhaustion, the tie rule and validation."""

from __future__ import annotations

from decimal import Decimal

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
    tally,
    tally_columns,
)
from governance.tally.methods.irv import INSTANT_RUNOFF_METHOD
from governance.tally.methods.schulze import SCHULZE_METHOD

RANKED = {**METHODS, Method.SCHULZE: SCHULZE_METHOD, Method.INSTANT_RUNOFF: INSTANT_RUNOFF_METHOD}


def rules(options: str | tuple[str, ...], eligible: int = 100, **kwargs: object) -> Rules:
    return Rules(
        Method.INSTANT_RUNOFF,
        (ClassWeight("member", Decimal(eligible)),),
        options=tuple(options),
        **kwargs,  # type: ignore[arg-type]
    )


def profile(*groups: tuple[int, str | tuple[str, ...]]) -> list[Ballot]:
    return [
        Ballot("member", Decimal(1), tuple(order)) for count, order in groups for _ in range(count)
    ]


def rounds(result: object) -> list[tuple[dict[str, int], int, tuple[str, ...]]]:
    """(totals, exhausted, eliminated) per round, as ints."""
    return [
        (
            {option: int(total) for option, total in entry["totals"].items()},
            int(entry["exhausted"]),
            entry["eliminated"],
        )
        for entry in result.details["rounds"]  # type: ignore[attr-defined]
    ]


TENNESSEE = (
    (42, ("Memphis", "Nashville", "Chattanooga", "Knoxville")),
    (26, ("Nashville", "Chattanooga", "Knoxville", "Memphis")),
    (15, ("Chattanooga", "Knoxville", "Nashville", "Memphis")),
    (17, ("Knoxville", "Chattanooga", "Nashville", "Memphis")),
)
CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


def test_irv__tennessee_capital_elects_knoxville() -> None:
    """Wikipedia, "Instant-runoff voting" (the Tennessee capital example): Memphis 42 %,
    Nashville 26 %, Chattanooga 15 %, Knoxville 17 %. Chattanooga is eliminated first
    (Knoxville 32), then Nashville (Knoxville 58): Knoxville wins 58–42, although Nashville
    is the Condorcet winner (see test_schulze)."""
    ballots = [Ballot("member", Decimal(share), order) for share, order in TENNESSEE]

    result = tally(ballots, rules(CITIES), methods=RANKED)

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("Knoxville",)
    assert rounds(result) == [
        ({"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17}, 0, ("Chattanooga",)),
        ({"Memphis": 42, "Nashville": 26, "Knoxville": 32}, 0, ("Nashville",)),
        ({"Memphis": 42, "Knoxville": 58}, 0, ()),
    ]
    assert result.ranking == (("Knoxville",), ("Memphis",), ("Nashville",), ("Chattanooga",))
    assert dict(result.totals) == {
        "Memphis": 42,
        "Nashville": 26,
        "Chattanooga": 15,
        "Knoxville": 17,
    }
    assert result.threshold_reached is None


def test_irv__tennessee_as_counted_ballots_equals_weighted() -> None:
    counted = [
        Ballot("member", Decimal(1), order) for share, order in TENNESSEE for _ in range(share)
    ]
    weighted = [Ballot("member", Decimal(share), order) for share, order in TENNESSEE]
    a = tally(counted, rules(CITIES), methods=RANKED)
    b = tally(weighted, rules(CITIES), methods=RANKED)
    assert a.winners == b.winners and a.details == b.details and a.ballot_count == 100


def test_irv__first_round_majority_wins_at_once() -> None:
    result = tally(profile((3, "AB"), (2, "BA")), rules("AB", eligible=5), methods=RANKED)

    assert result.winners == ("A",)
    assert rounds(result) == [({"A": 3, "B": 2}, 0, ())]


def test_irv__exhausted_ballots_leave_the_count() -> None:
    # C is eliminated; its 2 ballots rank nothing else: exhausted. A then holds 4 of 7.
    ballots = profile((4, "A"), (3, "BA"), (2, "C"), (1, ""))

    result = tally(ballots, rules("ABC", eligible=10), methods=RANKED)

    assert result.winners == ("A",)
    assert rounds(result) == [({"A": 4, "B": 3, "C": 2}, 0, ("C",)), ({"A": 4, "B": 3}, 2, ())]
    assert result.details["abstained"] == 1
    assert [entry["continuing"] for entry in result.details["rounds"]] == [9, 7]  # type: ignore[attr-defined]
    assert result.cast_weight == 10


def test_irv__majority_is_of_continuing_weight() -> None:
    # After C goes, A has 4 of 8 continuing: not more than half, so the count goes on; the
    # A–B tie is broken by round 1 (B 3 < A 4), and A wins with 4 of 4 continuing.
    ballots = profile((4, "A"), (3, "B"), (1, "CB"), (1, "C"))
    result = tally(ballots, rules("ABC", eligible=9), methods=RANKED)
    assert rounds(result) == [
        ({"A": 4, "B": 3, "C": 2}, 0, ("C",)),
        ({"A": 4, "B": 4}, 1, ("B",)),
        ({"A": 4}, 5, ()),
    ]
    assert result.winners == ("A",)
    assert result.ranking == (("A",), ("B",), ("C",))


def test_irv__zero_total_options_are_eliminated_together() -> None:
    ballots = profile((3, "AB"), (2, "BA"), (1, "CA"))
    result = tally(ballots, rules("ABCDE", eligible=6), methods=RANKED)
    assert rounds(result)[0] == ({"A": 3, "B": 2, "C": 1, "D": 0, "E": 0}, 0, ("D", "E"))
    assert rounds(result)[1] == ({"A": 3, "B": 2, "C": 1}, 0, ("C",))
    assert result.winners == ("A",)
    assert result.ranking == (("A",), ("B",), ("C",), ("D", "E"))


def test_irv__lowest_group_below_the_next_is_eliminated_together() -> None:
    # C 1 and D 1 sum to 2 < B 3: both go at once.
    ballots = profile((4, "A"), (3, "B"), (1, "CB"), (1, "DB"))
    result = tally(ballots, rules("ABCD", eligible=9), methods=RANKED)
    assert rounds(result) == [
        ({"A": 4, "B": 3, "C": 1, "D": 1}, 0, ("C", "D")),
        ({"A": 4, "B": 5}, 0, ()),
    ]
    assert result.winners == ("B",)


def test_irv__tie_broken_by_the_earliest_round_where_they_differ() -> None:
    # D goes first (one of its ballots moves to C). B and C tie at 4 in round 2 but
    # differed in round 1 (C 3 < B 4): C is eliminated.
    ballots = profile((5, "A"), (4, "B"), (3, "C"), (1, "DC"), (1, "D"))
    result = tally(ballots, rules("ABCD", eligible=14), methods=RANKED)
    assert rounds(result) == [
        ({"A": 5, "B": 4, "C": 3, "D": 2}, 0, ("D",)),
        ({"A": 5, "B": 4, "C": 4}, 1, ("C",)),
        ({"A": 5, "B": 4}, 5, ()),
    ]
    assert result.winners == ("A",)


def test_irv__unbreakable_tie_is_reported() -> None:
    result = tally(profile((2, "AB"), (2, "BA")), rules("AB", eligible=4), methods=RANKED)

    assert result.outcome is Outcome.TIE
    assert result.winners == ()
    assert result.tied == ("A", "B")
    assert result.details["tied_for_elimination"] == ("A", "B")
    assert rounds(result) == [({"A": 2, "B": 2}, 0, ())]


def test_irv__tie_for_last_place_stops_the_count() -> None:
    # B and C tie for last in every round so far and their sum is not below A: TIE.
    result = tally(
        profile((3, "A"), (2, "BA"), (2, "CA")), rules("ABC", eligible=7), methods=RANKED
    )
    assert result.outcome is Outcome.TIE
    assert result.tied == ("A", "B", "C")
    assert result.details["tied_for_elimination"] == ("B", "C")


def test_irv__no_ranking_at_all_is_rejected_and_quorum_is_checked() -> None:
    nobody = tally(profile((2, "")), rules("AB", eligible=2), methods=RANKED)
    assert nobody.outcome is Outcome.REJECTED and nobody.winners == ()

    short = tally(profile((1, "A")), rules("AB", eligible=4, quorum=Decimal("0.5")), methods=RANKED)
    assert short.outcome is Outcome.NO_QUORUM and short.winners == ()
    assert short.details["rounds"]  # rounds are still reported


def test_irv__class_caps_scale_every_round() -> None:
    classes = (
        ClassWeight("worker", Decimal(10)),
        ClassWeight("supporter", Decimal(90), cap=Decimal("0.2")),
    )
    ballots = [Ballot("worker", Decimal(1), ("B",)) for _ in range(10)] + [
        Ballot("supporter", Decimal(1), ("A",)) for _ in range(90)
    ]
    result = tally(
        ballots, Rules(Method.INSTANT_RUNOFF, classes, options=("A", "B")), methods=RANKED
    )
    assert result.winners == ("B",)
    assert rounds(result) == [({"A": 20, "B": 80}, 0, ())]


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("A", "A"), "twice"),
        (("Z",), "unknown option"),
        (("A", "B", "C", "B"), "ranks 4 options"),
        ("A", "tuple"),
    ],
)
def test_irv__bad_rankings_are_refused(choice: object, message: str) -> None:
    with pytest.raises(InvalidBallot, match=message):
        tally([Ballot("member", Decimal(1), choice)], rules("ABC"), methods=RANKED)  # type: ignore[arg-type]


def test_irv__more_than_one_seat_is_refused() -> None:
    with pytest.raises(InvalidRules, match="seats"):
        tally(profile((1, "A")), rules("AB", seats=2), methods=RANKED)


def test_irv__columns_equal_the_friendly_path_and_int16_is_accepted() -> None:
    ballots = profile((4, "A"), (3, "BA"), (2, "C"), (1, ""))
    matrix = np.array(
        [[1, 0, 0]] * 4 + [[2, 1, 0]] * 3 + [[0, 0, 1]] * 2 + [[0, 0, 0]], dtype=np.int16
    )
    columns = BallotColumns(
        class_index=np.zeros(10, dtype=np.intp),
        weight_units=np.full(10, 1_000_000, dtype=np.int64),
        choices=matrix,
    )
    assert tally_columns(columns, rules("ABC", eligible=10), methods=RANKED) == tally(
        ballots, rules("ABC", eligible=10), methods=RANKED
    )


def test_irv__many_options_use_int16_ranks() -> None:
    options = tuple(f"o{n}" for n in range(200))
    ballots = [
        Ballot("member", Decimal(1), options[::-1]),
        Ballot("member", Decimal(1), options[:3]),
    ]
    result = tally(ballots * 2 + ballots[:1], rules(options, eligible=5), methods=RANKED)
    assert result.winners == ("o199",)
