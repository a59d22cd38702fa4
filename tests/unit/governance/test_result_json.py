"""``result_to_json``: the stored and published form of a tally result keeps a missing
detail as JSON null, and numbers as decimal strings."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from governance.proposal.counting import result_to_json
from governance.tally import tally
from tests.unit.governance.tally.builders import majority_ballots, majority_rules


def test_result_to_json__no_yes_share_is_null_not_the_string_none() -> None:
    result = tally(majority_ballots(abstain=6), majority_rules())
    assert result.details["yes_share"] is None

    stored = result_to_json(result, secret=False)

    assert stored["details"] == {"yes_share": None}
    assert json.loads(json.dumps(stored))["details"]["yes_share"] is None


def test_result_to_json__a_yes_share_is_a_decimal_string() -> None:
    stored = result_to_json(tally(majority_ballots(yes=2, no=1), majority_rules()), secret=False)

    assert stored["details"] == {"yes_share": "0.666666666667"}


def test_result_to_json__details_keep_their_json_kinds() -> None:
    base = tally(majority_ballots(yes=1), majority_rules())
    result = replace(
        base,
        details={
            "exact": Fraction(1, 3),
            "decimal": Decimal("0.25"),
            "count": 3,
            "flag": True,
            "rounds": [{"round": 1, "out": None}],
        },
    )

    assert result_to_json(result, secret=False)["details"] == {
        "exact": "0.333333333333",
        "decimal": "0.25",
        "count": "3",
        "flag": True,
        "rounds": [{"round": "1", "out": None}],
    }


def test_result_to_json__refuses_a_detail_it_cannot_write() -> None:
    result = replace(tally(majority_ballots(yes=1), majority_rules()), details={"x": object()})

    with pytest.raises(TypeError, match="object"):
        result_to_json(result, secret=False)
