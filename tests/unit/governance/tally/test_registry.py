from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from governance.errors import GovernanceError, InvalidInput
from governance.tally import (
    METHODS,
    Ballot,
    BallotColumns,
    ClassScaling,
    ClassWeight,
    InvalidBallot,
    InvalidRules,
    Method,
    Outcome,
    Rules,
    TallyError,
    TallyMethod,
    TallyResult,
    tally,
)
from tests.unit.governance.tally.builders import members


@pytest.mark.parametrize("method", [Method.INSTANT_RUNOFF, Method.SCHULZE, Method.STV])
def test_tally__ranked_methods_are_registered(method: Method) -> None:
    rules = Rules(method, members(), options=("a", "b"))

    result = tally([], rules)

    assert result.method is method
    assert result.ballot_count == 0


def test_tally__a_new_method_plugs_in_without_changing_the_registry() -> None:
    class FirstPreference:
        def encode(self, ballots: Sequence[Ballot], rules: Rules) -> NDArray[Any]:
            return np.array([rules.options.index(b.choice[0]) for b in ballots])  # type: ignore[index]

        def count(self, columns: BallotColumns, rules: Rules, scaling: ClassScaling) -> TallyResult:
            first = rules.options[int(np.bincount(columns.choices).argmax())]
            return TallyResult(
                method=rules.method,
                outcome=Outcome.PASSED,
                totals={},
                eligible_weight=Decimal(0),
                cast_weight=Decimal(0),
                turnout=Decimal(0),
                quorum_reached=True,
                threshold_reached=None,
                ballot_count=len(columns),
                class_factors={},
                winners=(first,),
                details={"rounds": [], "pairwise": [[0]]},
            )

    plugged: TallyMethod = FirstPreference()
    methods = MappingProxyType({**METHODS, Method.INSTANT_RUNOFF: plugged})
    rules = Rules(Method.INSTANT_RUNOFF, members(), options=("a", "b"))
    ballots = [Ballot("member", Decimal(1), ("b", "a")), Ballot("member", Decimal(1), ("b",))]

    assert tally(ballots, rules, methods=methods).winners == ("b",)
    assert METHODS[Method.INSTANT_RUNOFF] is not plugged


def test_errors__belong_to_the_governance_tree() -> None:
    assert issubclass(TallyError, GovernanceError)
    assert issubclass(InvalidBallot, InvalidInput)
    assert issubclass(InvalidRules, InvalidInput)
    assert InvalidBallot("x").code == "invalid_ballot"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quorum": 0.5}, "Decimal or a Fraction"),
        ({"quorum": Decimal("1.5")}, "between 0 and 1"),
        ({"threshold": Fraction(-1, 2)}, "between 0 and 1"),
        ({"threshold": Decimal("NaN")}, "finite"),
        ({"classes": ()}, "at least one membership class"),
        ({"classes": members() + members()}, "listed twice"),
        ({"classes": (ClassWeight("m", Decimal(-1)),)}, "Decimal ≥ 0"),
        ({"classes": (ClassWeight("m", Decimal(1), cap=Decimal(0)),)}, "more than 0"),
        ({"classes": (ClassWeight("m", Decimal(1), cap=Decimal(2)),)}, "between 0 and 1"),
        ({"method": Method.APPROVAL}, "needs at least one option"),
        ({"options": ("a", "a")}, "unique"),
        ({"options": ("a", "")}, "non-empty"),
        ({"max_choices": 0}, "max_choices"),
        ({"seats": 0}, "seats"),
        ({"method": Method.SCORE, "options": ("a",), "seats": 2}, "more seats than options"),
        ({"comparison": "more"}, "comparison"),
        ({"method": "plurality"}, "Unknown tally method"),
    ],
)
def test_rules__invalid_rules_are_refused(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"method": Method.MAJORITY, "classes": members(), **changes}

    with pytest.raises(InvalidRules, match=message):
        Rules(**fields)  # type: ignore[arg-type]
