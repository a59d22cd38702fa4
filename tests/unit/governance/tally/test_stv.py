"""Scottish STV (SSI 2007/42, Schedule 1, rules 45–52).

The small elections are computed by hand (figures in the comments); the food election is the
worked example of Wikipedia's "Single transferable vote" article (section "Example": 20 guests,
3 seats, Droop quota 6; winners Chocolate, Oranges, Strawberries), mirrored at
https://www.liquisearch.com/single_transferable_vote/example; the ballot counts (4, 2, 8, 4,
1, 1) are spelt out in the same example at
http://magickallgateway.org/magickallgateway.org/STV/stvexample.html. Its rounds are not
Scottish-specific, but its quota, transfers and winners are the same under these rules.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.tally import (
    METHODS,
    Ballot,
    BallotColumns,
    ClassWeight,
    InvalidBallot,
    Method,
    Outcome,
    Rules,
    TallyResult,
    tally,
    tally_columns,
)
from governance.tally.methods.stv import STV_METHOD

STV_METHODS = {**METHODS, Method.STV: STV_METHOD}
FIVE = ("A", "B", "C", "D", "E")
D = Decimal
ONE = Decimal(1)


def stv_rules(
    options: Sequence[str] = FIVE,
    seats: int = 3,
    eligible: int = 1000,
    quorum: str = "0",
    max_choices: int | None = None,
) -> Rules:
    return Rules(
        Method.STV,
        (ClassWeight("member", D(eligible)),),
        quorum=D(quorum),
        options=tuple(options),
        seats=seats,
        max_choices=max_choices,
    )


def papers(*spec: tuple[int, str], weight: Decimal = ONE) -> list[Ballot]:
    """``(count, "ABC")`` → ``count`` ballots ranking A, B, C (one letter per option)."""
    return [Ballot("member", weight, tuple(order)) for count, order in spec for _ in range(count)]


def run(ballots: Sequence[Ballot], rules: Rules) -> TallyResult:
    return tally(ballots, rules, methods=STV_METHODS)


def rounds(result: TallyResult) -> list[dict[str, Any]]:
    found = result.details["rounds"]
    assert isinstance(found, list)
    return found


def totals(stage: dict[str, Any]) -> dict[str, str]:
    return {option: str(value) for option, value in stage["totals"].items()}


def test_stv__three_seats_every_stage_by_hand() -> None:
    # 20 papers, quota ⌊20/4⌋ + 1 = 6.
    ballots = papers((8, "ABC"), (2, "AD"), (4, "B"), (3, "CE"), (2, "DEC"), (1, "ED"))

    result = run(ballots, stv_rules())

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("A", "B", "D")
    assert result.details["quota"] == 6
    assert result.details["valid_weight"] == 20
    assert dict(result.totals) == {"A": 10, "B": 4, "C": 3, "D": 2, "E": 1}
    assert result.ranking == (("A",), ("B",), ("D",), ("C",), ("E",))
    first, second, third, fourth, fifth = rounds(result)
    # Stage 1: first preferences; A (10) is elected.
    assert first["type"] == "first_preferences"
    assert totals(first) == {"A": "10", "B": "4", "C": "3", "D": "2", "E": "1"}
    assert first["elected"] == ["A"]
    # Stage 2: A's surplus 4 at 4 × 1 / 10 = 0.4: B + 8 × 0.4, D + 2 × 0.4; B elected.
    assert (second["type"], second["candidate"]) == ("surplus", "A")
    assert second["transfer_values"] == [D("0.4")]
    assert totals(second) == {"A": "6", "B": "7.2", "C": "3", "D": "2.8", "E": "1"}
    assert second["elected"] == ["B"]
    assert second["non_transferable"] == 0
    # Stage 3: B's surplus 1.2 over 7.2 votes. Papers worth 1: 1.2/7.2 = 0.16666 (truncated),
    # all four non-transferable (0.66664). Papers worth 0.4: 0.48/7.2 = 0.06666 → C gets
    # 8 × 0.06666 = 0.53328. Truncation loses 1.2 − 0.66664 − 0.53328 = 0.00008.
    assert (third["type"], third["candidate"]) == ("surplus", "B")
    assert third["transfer_values"] == [D("0.06666"), D("0.16666")]
    assert totals(third) == {"A": "6", "B": "6", "C": "3.53328", "D": "2.8", "E": "1"}
    assert third["non_transferable"] == D("0.66664")
    assert third["lost_to_truncation"] == D("0.00008")
    assert third["elected"] == []
    # Stage 4: E (1) excluded; its paper goes to D at value 1.
    assert (fourth["type"], fourth["excluded"]) == ("exclusion", ["E"])
    assert totals(fourth) == {"A": "6", "B": "6", "C": "3.53328", "D": "3.8", "E": "0"}
    assert fourth["transfer_values"] == [D(1)]
    # Stage 5: C (3.53328) excluded; every paper is exhausted. D is the only continuing
    # candidate for the last vacancy: elected under rule 52 without the quota.
    assert (fifth["type"], fifth["excluded"]) == ("exclusion", ["C"])
    assert fifth["non_transferable"] == D("3.53328")
    assert fifth["transfer_values"] == [D("0.06666"), D(1)]
    assert fifth["elected"] == fifth["elected_without_quota"] == ["D"]
    assert result.details["non_transferable"] == D("4.19992")
    assert result.details["lost_to_truncation"] == D("0.00008")


def test_stv__exclusion_tie_broken_by_most_recent_unequal_stage() -> None:
    # 20 papers, quota 6. Stage 1: A 8, B 5, C 5, D 2, E 0; A elected.
    # Stage 2: A's surplus 2 at 2/8 = 0.25 → E 2. D and E tie on 2.
    # Stage 3: at stage 1 E had fewer (0 < 2): E excluded (rule 51(2)(a)), papers exhausted.
    # Stage 4: D excluded → B 7 elected on quota; C alone for the last seat (rule 52).
    ballots = papers((8, "AE"), (5, "B"), (5, "C"), (2, "DB"))

    result = run(ballots, stv_rules())

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("A", "B", "C")
    stages = rounds(result)
    assert [stage["type"] for stage in stages] == [
        "first_preferences",
        "surplus",
        "exclusion",
        "exclusion",
    ]
    assert totals(stages[1]) == {"A": "6", "B": "5", "C": "5", "D": "2", "E": "2"}
    assert stages[1]["transfer_values"] == [D("0.25")]
    assert stages[2]["excluded"] == ["E"]
    assert "51(2)(a)" in stages[2]["tie_break"]
    assert stages[2]["non_transferable"] == 2
    assert stages[3]["excluded"] == ["D"]
    assert totals(stages[3])["B"] == "7"
    assert stages[3]["elected"] == ["B", "C"]
    assert stages[3]["elected_without_quota"] == ["C"]


def test_stv__truncation_keeps_a_candidate_below_the_quota() -> None:
    # 30 papers, 3 seats, quota 8. Stage 1: A 9, B 7, C 6, D 5, E 3; A elected (surplus 1).
    # Stage 2: A's surplus at 1/9 = 0.11111 → B + 9 × 0.11111 = 7.99999: B not elected.
    ballots = papers((9, "AB"), (7, "BC"), (6, "CB"), (5, "DC"), (3, "ED"))

    result = run(ballots, stv_rules())

    stages = rounds(result)
    assert stages[1]["transfer_values"] == [D("0.11111")]
    assert totals(stages[1])["B"] == "7.99999"
    assert stages[1]["lost_to_truncation"] == D("0.00001")
    assert stages[1]["elected"] == []
    # Stage 3: E (3) excluded → D 8 (elected on quota exactly: no surplus stage follows).
    assert stages[2]["excluded"] == ["E"]
    assert stages[2]["elected"] == ["D"]
    assert len(stages) == 4
    # Stage 4: B 7.99999 and C 6 continue for one seat: C excluded, its papers go to B.
    assert stages[3]["excluded"] == ["C"]
    assert result.winners == ("A", "D", "B")


def test_stv__tie_at_every_stage_is_reported_not_drawn() -> None:
    # 14 papers, 3 seats, quota 4: A and B elected at stage 1 with no surplus. E (0) excluded.
    # C and D then tie on 3 at every stage for the last seat: the Order draws lots; we say TIE.
    ballots = papers((4, "A"), (4, "B"), (3, "C"), (3, "D"))

    result = run(ballots, stv_rules())

    assert result.outcome is Outcome.TIE
    assert result.winners == ("A", "B")
    assert result.tied == ("C", "D")
    assert result.details["tie"] == {"after_stage": 2, "rule": "51(2)(b)", "candidates": ["C", "D"]}


def test_stv__zero_vote_ties_that_cannot_matter_are_excluded_in_order() -> None:
    # One seat, 5 papers, quota 3. D and E have no vote at any stage and three candidates must
    # go before the last seat is filled: excluding them in either order gives the same count.
    ballots = papers((2, "A"), (2, "B"), (1, "CA"))

    result = run(ballots, stv_rules(seats=1))

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("A",)
    excluded = [stage["excluded"] for stage in rounds(result)[1:]]
    assert excluded == [["D"], ["E"], ["C"]]
    assert "order immaterial" in rounds(result)[1]["tie_break"]


def test_stv__published_food_election() -> None:
    # Wikipedia, "Single transferable vote", section "Example" (see the module docstring).
    names = ("Oranges", "Pears", "Chocolate", "Strawberries", "Sweets")
    spec = [
        (4, ("Oranges", "Pears")),
        (2, ("Pears", "Oranges")),
        (8, ("Chocolate", "Strawberries")),
        (4, ("Chocolate", "Sweets")),
        (1, ("Strawberries",)),
        (1, ("Sweets",)),
    ]
    ballots = [Ballot("member", D(1), order) for count, order in spec for _ in range(count)]

    result = run(ballots, stv_rules(options=names))

    assert result.details["quota"] == 6
    assert result.outcome is Outcome.PASSED
    assert set(result.winners) == {"Chocolate", "Oranges", "Strawberries"}
    assert result.winners == ("Chocolate", "Oranges", "Strawberries")
    stages = rounds(result)
    # Chocolate's surplus 6 at 6/12 = 0.5: Strawberries 1 + 4 = 5, Sweets 1 + 2 = 3.
    assert totals(stages[1]) == {
        "Oranges": "4",
        "Pears": "2",
        "Chocolate": "6",
        "Strawberries": "5",
        "Sweets": "3",
    }
    # Pears excluded: Oranges reach the quota exactly. Then Sweets excluded: Strawberries win.
    assert stages[2]["excluded"] == ["Pears"] and stages[2]["elected"] == ["Oranges"]
    assert stages[3]["excluded"] == ["Sweets"] and stages[3]["elected"] == ["Strawberries"]


def test_stv__seats_equal_to_candidates_elects_all_at_once() -> None:
    result = run(papers((3, "AB"), (1, "B")), stv_rules(options=("A", "B"), seats=2))

    assert result.winners == ("A", "B")
    assert rounds(result)[0]["elected_without_quota"] == ["B"]


def test_stv__quorum_and_empty_count() -> None:
    no_quorum = run(papers((3, "AB")), stv_rules(eligible=10, quorum="0.5"))
    assert no_quorum.outcome is Outcome.NO_QUORUM
    assert no_quorum.winners == ()
    assert no_quorum.quorum_reached is False

    abstentions = run([Ballot("member", D(1), ())] * 4, stv_rules(eligible=4, quorum="0.5"))
    assert abstentions.outcome is Outcome.REJECTED
    assert abstentions.cast_weight == 4
    assert abstentions.details["valid_weight"] == 0


def test_stv__class_caps_scale_the_papers() -> None:
    # Workers 10 (uncapped), supporters 90 capped at 20 %: factors 8 and 2/9.
    rules = Rules(
        Method.STV,
        (ClassWeight("worker", D(10)), ClassWeight("supporter", D(90), cap=D("0.2"))),
        options=("A", "B"),
        seats=1,
    )
    ballots = [Ballot("worker", D(1), ("A",))] + [Ballot("supporter", D(1), ("B",))] * 9

    result = run(ballots, rules)

    # A: 8, B: 9 × 2/9 = 2; quota ⌊10/2⌋ + 1 = 6.
    assert dict(result.totals) == {"A": 8, "B": 2}
    assert result.details["quota"] == 6
    assert result.winners == ("A",)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("A", "A"), "twice"),
        (("A", "Z"), "unknown option"),
        ("AB", "tuple"),
        (frozenset({"A"}), "tuple"),
    ],
)
def test_stv__bad_rankings_are_refused(choice: Any, message: str) -> None:
    with pytest.raises(InvalidBallot, match=message):
        run([Ballot("member", D(1), choice)], stv_rules())


def test_stv__more_rankings_than_allowed_is_refused() -> None:
    with pytest.raises(InvalidBallot, match="more than 2"):
        run(papers((1, "ABC")), stv_rules(max_choices=2))


@pytest.mark.parametrize(
    "row",
    [[0, 0, -1, -1, -1], [0, -1, 1, -1, -1], [7, -1, -1, -1, -1], [-2, -1, -1, -1, -1]],
)
def test_stv__bad_columns_are_refused(row: list[int]) -> None:
    columns = BallotColumns(
        class_index=np.zeros(1, dtype=np.intp),
        weight_units=np.array([1_000_000], dtype=np.int64),
        choices=np.array([row], dtype=np.int16),
    )
    with pytest.raises(InvalidBallot):
        tally_columns(columns, stv_rules(), methods=STV_METHODS)


# --- properties ----------------------------------------------------------------------------

rankings = st.permutations(FIVE).flatmap(
    lambda order: st.integers(min_value=0, max_value=len(order)).map(lambda n: tuple(order[:n]))
)
full_rankings = st.permutations(FIVE).map(tuple)


def _comparable(result: TallyResult) -> tuple[object, ...]:
    return (result.outcome, result.winners, result.tied, result.ranking, result.details)


@settings(max_examples=60, deadline=None)
@given(st.lists(rankings, max_size=25), st.integers(1, 4), st.randoms(use_true_random=False))
def test_stv__ballot_order_never_matters(
    orders: list[tuple[str, ...]], seats: int, rng: random.Random
) -> None:
    ballots = [Ballot("member", D(1), order) for order in orders]
    shuffled = list(ballots)
    rng.shuffle(shuffled)

    assert _comparable(run(ballots, stv_rules(seats=seats))) == _comparable(
        run(shuffled, stv_rules(seats=seats))
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rankings, st.integers(1, 4)), max_size=12), st.integers(1, 4))
def test_stv__weights_of_one_equal_plain_counts(
    spec: list[tuple[tuple[str, ...], int]], seats: int
) -> None:
    expanded = [Ballot("member", D(1), order) for order, count in spec for _ in range(count)]
    weighted = [Ballot("member", D(count), order) for order, count in spec]

    plain, heavy = run(expanded, stv_rules(seats=seats)), run(weighted, stv_rules(seats=seats))

    assert (plain.outcome, plain.winners, plain.tied, plain.details) == (
        heavy.outcome,
        heavy.winners,
        heavy.tied,
        heavy.details,
    )


def reference_irv(
    orders: Sequence[tuple[str, ...]],
    continuing: Sequence[str],
    history: tuple[dict[str, int], ...] = (),
) -> str | None:
    """A tiny instant-runoff count for the properties below: a candidate with more than half
    of the continuing papers wins; otherwise the lowest is eliminated. Ties for lowest are
    broken like the Scottish rules (most recent earlier round where they differ, narrowing);
    a tie at every round is counted on for each possible draw: the winner if every draw gives
    the same one, else ``None``."""
    counts = dict.fromkeys(continuing, 0)
    for order in orders:
        top = next((option for option in order if option in counts), None)
        if top is not None:
            counts[top] += 1
    history = (*history, counts)
    live = sum(counts.values())
    if len(continuing) == 1:
        return continuing[0]
    leader = max(continuing, key=lambda option: counts[option])
    if live and 2 * counts[leader] > live:
        return leader
    low = min(counts.values())
    tied = [option for option in continuing if counts[option] == low]
    for earlier in reversed(history[:-1]):
        figures = {earlier[option] for option in tied}
        if len(figures) > 1:
            tied = [option for option in tied if earlier[option] == min(figures)]
            if len(tied) == 1:
                break
    winners = {
        reference_irv(orders, [option for option in continuing if option != loser], history)
        for loser in tied
    }
    return winners.pop() if len(winners) == 1 else None


@settings(max_examples=120, deadline=None)
@given(st.lists(full_rankings, min_size=1, max_size=25))
def test_stv__one_seat_equals_instant_runoff(orders: list[tuple[str, ...]]) -> None:
    # With complete rankings nothing is exhausted, so the quota ⌊V/2⌋ + 1 is exactly a
    # majority of the continuing papers: the counts match stage by stage, ties included.
    result = run([Ballot("member", D(1), order) for order in orders], stv_rules(seats=1))
    expected = reference_irv(orders, FIVE)

    if expected is None:
        assert result.outcome is Outcome.TIE
    else:
        assert result.outcome is Outcome.PASSED
        assert result.winners == (expected,)


@settings(max_examples=120, deadline=None)
@given(st.lists(rankings, min_size=1, max_size=25))
def test_stv__one_seat_truncated_rankings_agree_with_instant_runoff(
    orders: list[tuple[str, ...]],
) -> None:
    # With exhausted papers STV may continue past IRV's majority, so only counts that both
    # decide are compared.
    result = run([Ballot("member", D(1), order) for order in orders], stv_rules(seats=1))
    expected = reference_irv([order for order in orders if order], FIVE)

    if result.outcome is Outcome.PASSED and expected is not None:
        assert result.winners == (expected,)


def test_stv__equal_surpluses_whose_order_decides_a_seat_are_a_tie() -> None:
    # 20 papers, quota 6: A and B both have 7 at stage 1, equal at every stage. Whichever
    # surplus goes first (1/7 → 0.14285) puts its next preference ahead at that stage, and
    # rule 51(2)(a) then looks back to it: A first elects C, B first elects D. The Order
    # would draw lots (rule 49(3)); the count reports the tie.
    ballots = papers((7, "AC"), (7, "BD"), (3, "C"), (3, "D"))

    result = run(ballots, stv_rules())

    assert result.outcome is Outcome.TIE
    assert result.winners == ("A", "B")
    assert result.tied == ("A", "B")
    assert result.details["tie"] == {"after_stage": 1, "rule": "49(3)", "candidates": ["A", "B"]}


def test_stv__a_draw_that_cannot_matter_does_not_stop_the_count() -> None:
    # One seat, 7 papers, quota 4. Stage 1: A 3, B 1, C 1, D 2, E 0. E is excluded, then B and
    # C tie on 1 at every stage. Excluding either leads to A: the count goes on (B, by option
    # order) and says why, instead of reporting a tie.
    ballots = papers((3, "A"), (1, "B"), (1, "C"), (2, "D"))

    result = run(ballots, stv_rules(seats=1))

    assert result.outcome is Outcome.PASSED
    assert result.winners == ("A",)
    stages = rounds(result)
    assert [stage["excluded"] for stage in stages[1:]] == [["E"], ["B"], ["C"], ["D"]]
    assert "every draw elects the same candidates" in stages[2]["tie_break"]
