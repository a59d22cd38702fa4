"""The bylaws' ledger section: defaults, presets, round trip and refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from governance.bylaws import presets
from governance.bylaws.document import LedgerRules, parse_bylaws, parse_ledger_rules
from governance.errors import InvalidInput


def test_absent_section__gives_the_defaults() -> None:
    assert parse_ledger_rules(None) == LedgerRules()


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_presets__carry_a_ledger_section_that_round_trips(name: str) -> None:
    bylaws = presets.preset(name)
    assert bylaws.ledger.currency == "EUR" and bylaws.ledger.min_subscription == 1
    assert parse_bylaws(bylaws.to_json()) == bylaws


def test_share_price__keeps_cents_exactly() -> None:
    rules = parse_ledger_rules({"share_price": "25.50", "allocation": {"preset": "fr_scop"}})
    assert rules.share_price == Decimal("25.5")
    assert rules.to_json()["share_price"] == "25.5"
    assert rules.allocation == {"preset": "fr_scop"}


@pytest.mark.parametrize(
    "raw",
    [
        {"currency": "eur"},
        {"currency": "E"},
        {"share_price": "0"},
        {"share_price": "10.001"},
        {"share_price": 10.5},
        {"share_price": "NaN"},
        {"transfers_allowed": "yes"},
        {"min_subscription": -1},
        {"allocation": []},
        {"unknown": 1},
        [],
    ],
)
def test_bad_section__is_refused_naming_the_field(raw: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_ledger_rules(raw)
    assert caught.value.code == "invalid_bylaws"
