"""Entry points: dispatch a tally on the rules' method.

``tally(ballots, rules)`` is the friendly path (a list of :class:`Ballot`); it converts the
ballots to columns with :func:`to_columns` and runs :func:`tally_columns`, the path large
tallies use directly. Both give identical results for the same ballots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType

import numpy as np

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot, UnsupportedMethod
from governance.tally.exact import weight_to_units
from governance.tally.methods import (
    ApprovalMethod,
    ConsentMethod,
    MajorityMethod,
    ScoreMethod,
    TallyMethod,
)
from governance.tally.methods.irv import INSTANT_RUNOFF_METHOD
from governance.tally.methods.schulze import SCHULZE_METHOD
from governance.tally.methods.stv import STV_METHOD
from governance.tally.types import Ballot, Method, Rules, TallyResult
from governance.tally.weights import class_scaling

METHODS: Mapping[Method, TallyMethod] = MappingProxyType(
    {
        Method.MAJORITY: MajorityMethod(),
        Method.SUPERMAJORITY: MajorityMethod(),
        Method.CONSENT: ConsentMethod(),
        Method.APPROVAL: ApprovalMethod(),
        Method.SCORE: ScoreMethod(),
        Method.INSTANT_RUNOFF: INSTANT_RUNOFF_METHOD,
        Method.SCHULZE: SCHULZE_METHOD,
        Method.STV: STV_METHOD,
    }
)
"""The implemented methods. Pass another mapping as ``methods=`` to add one (e.g. a ranked
method under development) without touching this one."""


def method_for(rules: Rules, methods: Mapping[Method, TallyMethod] = METHODS) -> TallyMethod:
    try:
        return methods[rules.method]
    except KeyError:
        raise UnsupportedMethod(f"The {rules.method} method is not available yet.") from None


def to_columns(
    ballots: Sequence[Ballot], rules: Rules, *, methods: Mapping[Method, TallyMethod] = METHODS
) -> BallotColumns:
    """Convert ballots to the columns :func:`tally_columns` reads, checking each ballot's
    class, weight (a Decimal ≥ 0 with at most six decimals) and choice."""
    method = method_for(rules, methods)
    position = {item.class_id: index for index, item in enumerate(rules.classes)}
    class_index: list[int] = []
    units: list[int] = []
    known: dict[Decimal, int] = {}
    has_refs = False
    for index, ballot in enumerate(ballots):
        found = position.get(ballot.class_id)
        if found is None:
            raise InvalidBallot(f"Ballot {index}: unknown membership class {ballot.class_id!r}.")
        class_index.append(found)
        weight = ballot.weight
        if type(weight) is not Decimal:
            # Checked before the cache: 1.0 == Decimal(1) would find the Decimal's entry.
            weight_to_units(weight)
        cached = known.get(weight)
        if cached is None:
            cached = known[weight] = weight_to_units(weight)
        units.append(cached)
        has_refs = has_refs or bool(ballot.ref)
    return BallotColumns(
        class_index=np.array(class_index, dtype=np.intp),
        weight_units=np.array(units, dtype=np.int64),
        choices=method.encode(ballots, rules),
        refs=tuple(ballot.ref for ballot in ballots) if has_refs else None,
    )


def tally_columns(
    columns: BallotColumns, rules: Rules, *, methods: Mapping[Method, TallyMethod] = METHODS
) -> TallyResult:
    """Tally columnar ballots under ``rules``."""
    method = method_for(rules, methods)
    columns.check_against(rules)
    return method.count(columns, rules, class_scaling(rules.classes))


def tally(
    ballots: Sequence[Ballot], rules: Rules, *, methods: Mapping[Method, TallyMethod] = METHODS
) -> TallyResult:
    """Tally ballots under ``rules``: a pure function, the same ballots in any order give the
    same result."""
    return tally_columns(to_columns(ballots, rules, methods=methods), rules, methods=methods)
