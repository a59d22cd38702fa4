"""The frozen inputs of an allocation: JSON round trip, the allocation they give, and
refusals of malformed payloads with the allocation's codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from governance.ledger.allocation import InvalidAllocation, InvalidPolicy, MemberBasis, preset
from governance.ledger.surplus.inputs import AllocationInputs, from_json


def inputs() -> AllocationInputs:
    return AllocationInputs(
        fiscal_year=2026,
        surplus=Decimal("10000.00"),
        commodity="EUR",
        precision=2,
        policy=preset("fr_scop"),
        members=(
            MemberBasis(1, Decimal("1600"), Decimal("30000"), Decimal("1000")),
            MemberBasis(2, Decimal("800"), Decimal("20000"), Decimal("500")),
        ),
    )


def test_to_json_and_back__is_the_same_and_allocates_the_same() -> None:
    frozen = inputs()
    again = from_json(frozen.to_json())
    assert again == frozen
    assert again.allocate() == frozen.allocate()
    assert frozen.allocate().legal_reserve == Decimal("1500.00")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"fiscal_year": "2026"}, "allocation_bad_amount"),
        ({"fiscal_year": 1200}, "allocation_bad_amount"),
        ({"surplus": 10.5}, "allocation_bad_amount"),
        ({"surplus": "NaN"}, "allocation_bad_amount"),
        ({"members": "everyone"}, "allocation_bad_amount"),
        ({"members": [{"member_id": "1"}]}, "allocation_bad_amount"),
        ({"members": [{"member_id": 1, "bonus": "1"}]}, "allocation_bad_amount"),
        ({"commodity": None}, "allocation_bad_amount"),
    ],
)
def test_malformed_payload__refused_with_its_code(change: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidAllocation) as caught:
        from_json({**inputs().to_json(), **change})
    assert caught.value.code == code


def test_payload_with_an_unlawful_policy__refused() -> None:
    raw = inputs().to_json()
    raw["policy"]["legal_reserve"] = "0.05"
    with pytest.raises(InvalidPolicy) as caught:
        from_json(raw)
    assert caught.value.code == "allocation_policy_unlawful"


def test_no_payload__refused() -> None:
    with pytest.raises(InvalidAllocation):
        from_json(None)
