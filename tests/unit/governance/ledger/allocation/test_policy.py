"""Reading the bylaws' ``ledger.allocation`` mapping: what is accepted, normalised, refused."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from governance.ledger.allocation import (
    PRESETS,
    Basis,
    InvalidPolicy,
    LegalForm,
    Part,
    UnlawfulPolicy,
    parse_policy,
    preset,
)


def custom(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "legal_form": "custom",
        "legal_reserve": "0.1",
        "indivisible_reserve": "remainder",
        "members": {"share": "0.5", "basis": "hours", "cash": "1"},
    }
    raw.update(changes)
    return raw


def refused(raw: object) -> InvalidPolicy:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(raw)
    return caught.value


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_parse_policy__every_preset_parses_and_round_trips(name: str) -> None:
    policy = parse_policy(preset(name))

    assert parse_policy(policy.to_json()) == policy
    assert policy.legal_form is LegalForm(name)


def test_parse_policy__scop_preset_reads_as_its_documented_figures() -> None:
    policy = parse_policy(preset("fr_scop"))

    assert policy.shares == {
        Part.LEGAL_RESERVE: Fraction(15, 100),
        Part.MEMBERS: Fraction(45, 100),
        Part.INDIVISIBLE_RESERVE: None,
    }
    assert policy.remainder is Part.INDIVISIBLE_RESERVE
    assert policy.basis == ((Basis.HOURS, Fraction(1, 2)), (Basis.PAY, Fraction(1, 2)))
    assert policy.cap_members and policy.cap_reserves
    assert policy.minimum(Part.MEMBERS) == Fraction(1, 4)


def test_parse_policy__us_preset_pays_patronage_by_hours_with_a_fifth_in_cash() -> None:
    policy = parse_policy(preset("us_worker_coop"))

    assert policy.remainder is Part.MEMBERS
    assert policy.basis == ((Basis.HOURS, Fraction(1)),)
    assert policy.patronage_cash == Fraction(1, 5)
    assert policy.interest.rate == 0


def test_preset__returns_a_copy_an_instance_can_edit() -> None:
    mine = preset("fr_scop")
    mine["members"]["share"] = "0.6"

    assert preset("fr_scop")["members"]["share"] == "0.45"
    assert parse_policy(mine).shares[Part.MEMBERS] == Fraction(3, 5)


def test_preset__unknown_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        preset("fr_scic")

    assert caught.value.code == "allocation_preset_unknown"
    assert "fr_scop, us_worker_coop" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.15", Fraction(3, 20)), ("15%", Fraction(3, 20)), ("3/20", Fraction(3, 20)),
     (" 1/3 ", Fraction(1, 3)), (0, Fraction(0)), (1, Fraction(1)), ("100 %", Fraction(1))],
)
def test_parse_policy__shares_may_be_decimals_percentages_or_fractions(
    text: object, expected: Fraction
) -> None:
    policy = parse_policy(custom(legal_reserve=text, members={"share": "0", "basis": "pay"}))

    assert policy.shares[Part.LEGAL_RESERVE] == expected


def test_parse_policy__to_json_keeps_a_third_as_a_fraction() -> None:
    policy = parse_policy(custom(legal_reserve="1/3"))

    assert policy.to_json()["legal_reserve"] == "1/3"
    assert policy.to_json()["members"]["share"] == "0.5"


@pytest.mark.parametrize("raw", [None, {}])
def test_parse_policy__missing_policy_points_to_the_presets(raw: object) -> None:
    error = refused(raw)

    assert error.code == "allocation_policy_missing"
    assert "fr_scop" in error.message


@pytest.mark.parametrize("bad", [0.15, "abc", "1.5", "-0.1", "150%", True, "1/0", [], "NaN"])
def test_parse_policy__a_bad_share_names_its_field(bad: object) -> None:
    error = refused(custom(legal_reserve=bad))

    assert error.code == "invalid_allocation_policy"
    assert error.message.startswith("legal_reserve must")


def test_parse_policy__a_share_with_more_than_twelve_decimals_is_refused() -> None:
    error = refused(custom(legal_reserve="1/7000000000000"))

    assert "legal_reserve is too finely divided" in error.message


def test_parse_policy__unknown_fields_are_listed() -> None:
    error = refused(custom(legal_reserves="0.1"))

    assert "ledger.allocation has unknown fields: legal_reserves" in error.message


def test_parse_policy__unknown_member_fields_are_listed() -> None:
    error = refused(custom(members={"share": "0.5", "basis": "hours", "bonus": "1"}))

    assert "members has unknown fields: bonus" in error.message


def test_parse_policy__a_missing_part_is_required() -> None:
    raw = custom()
    del raw["legal_reserve"]

    assert refused(raw).message.startswith("legal_reserve is required")


def test_parse_policy__members_must_be_an_object() -> None:
    assert refused(custom(members="hours")).message == "members must be an object."


@pytest.mark.parametrize(
    ("legal", "indivisible", "members", "count"),
    [("0.1", "0.2", "0.7", 0), ("remainder", "remainder", "0.5", 2)],
)
def test_parse_policy__exactly_one_part_takes_the_remainder(
    legal: str, indivisible: str, members: str, count: int
) -> None:
    error = refused(
        custom(
            legal_reserve=legal,
            indivisible_reserve=indivisible,
            members={"share": members, "basis": "hours"},
        )
    )

    assert 'must be "remainder"' in error.message
    assert f"now: {count}" in error.message


def test_parse_policy__fixed_shares_above_the_whole_are_refused() -> None:
    error = refused(custom(legal_reserve="0.6", members={"share": "remainder", "basis": "hours"},
                           indivisible_reserve="0.5"))

    assert "add up to more than the whole surplus" in error.message


def test_parse_policy__the_remainder_keyword_ignores_case() -> None:
    policy = parse_policy(custom(indivisible_reserve=" Remainder "))

    assert policy.remainder is Part.INDIVISIBLE_RESERVE


def test_parse_policy__a_weighted_basis_keeps_only_positive_weights_in_order() -> None:
    policy = parse_policy(
        custom(members={"share": "0.5", "basis": {"pay": "0.25", "equal": "0", "hours": "3/4"}})
    )

    assert policy.basis == ((Basis.HOURS, Fraction(3, 4)), (Basis.PAY, Fraction(1, 4)))


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        ("seniority", "members.basis: 'seniority' is not a basis (known: hours, pay, equal)."),
        ({"hours": "0.5", "pay": "0.4"}, "members.basis: the weights must add up to exactly 1."),
        ({}, "members.basis must be one of hours, pay, equal"),
        (None, "members.basis must be one of hours, pay, equal"),
        ({"hours": "x"}, "members.basis.hours must be a share"),
    ],
)
def test_parse_policy__a_bad_basis_says_why(basis: object, message: str) -> None:
    error = refused(custom(members={"share": "0.5", "basis": basis}))

    assert error.message.startswith(message)


def test_parse_policy__interest_defaults_to_none_and_reads_its_caps() -> None:
    assert parse_policy(custom()).interest.rate == 0

    policy = parse_policy(
        custom(interest={"rate": "4%", "cash": "0.5",
                         "caps": {"members_share": True, "surplus_share": "0.1"}})
    )

    assert policy.interest.rate == Fraction(1, 25)
    assert policy.interest.cash == Fraction(1, 2)
    assert policy.interest.caps.members_share and not policy.interest.caps.reserves
    assert policy.interest.caps.surplus_share == Fraction(1, 10)
    assert policy.cap_members and not policy.cap_reserves


@pytest.mark.parametrize(
    ("interest", "message"),
    [
        ({"rate": 0.05}, "interest.rate must be a share"),
        ({"caps": {"members_share": "yes"}}, "interest.caps.members_share must be true or false."),
        ({"caps": {"dividends": True}}, "interest.caps has unknown fields: dividends"),
        ({"caps": []}, "interest.caps must be an object."),
        ("5%", "interest must be an object."),
    ],
)
def test_parse_policy__bad_interest_rules_say_why(interest: object, message: str) -> None:
    assert refused(custom(interest=interest)).message.startswith(message)


def test_parse_policy__an_unknown_legal_form_lists_the_known_ones() -> None:
    error = refused(custom(legal_form="fr_scic"))

    assert error.message == "legal_form must be one of custom, fr_scop, us_worker_coop."


# --- the law and the policy's own minimums -------------------------------------------------


def scop(**changes: Any) -> dict[str, Any]:
    raw = preset("fr_scop")
    raw.update(changes)
    return raw


def test_parse_policy__scop_legal_reserve_below_fifteen_percent_is_unlawful() -> None:
    error = refused(scop(legal_reserve="0.10"))

    assert isinstance(error, UnlawfulPolicy)
    assert error.code == "allocation_policy_unlawful"
    assert error.message == (
        "legal_reserve is 0.1 of the surplus, below the minimum of 0.15 set by "
        "loi n° 78-763, art. 33 (SCOP)."
    )


def test_parse_policy__scop_workers_share_below_a_quarter_is_unlawful_even_without_minimums(
) -> None:
    raw = scop(members={"share": "0.2", "basis": "pay"})
    del raw["minimums"]

    error = refused(raw)

    assert error.code == "allocation_policy_unlawful"
    assert "members.share is 0.2 of the surplus, below the minimum of 0.25" in error.message


def test_parse_policy__scop_remainder_to_workers_must_be_able_to_reach_a_quarter() -> None:
    error = refused(
        scop(
            legal_reserve="0.15",
            indivisible_reserve="0.65",
            members={"share": "remainder", "basis": "equal"},
        )
    )

    assert error.code == "allocation_policy_unlawful"
    assert "members.share takes the remainder, at most 0.2 of the surplus" in error.message


def test_parse_policy__scop_caps_interest_even_when_the_policy_turns_the_caps_off() -> None:
    policy = parse_policy(
        scop(interest={"rate": "0.03", "caps": {"members_share": False, "reserves": False}})
    )

    assert policy.cap_members and policy.cap_reserves


def test_parse_policy__scop_may_split_the_workers_share_equally() -> None:
    policy = parse_policy(scop(members={"share": "0.5", "basis": "equal"}))

    assert policy.basis == ((Basis.EQUAL, Fraction(1)),)


def test_parse_policy__us_cash_below_a_fifth_is_unlawful() -> None:
    raw = preset("us_worker_coop")
    raw["members"]["cash"] = "0.1"

    error = refused(raw)

    assert error.code == "allocation_policy_unlawful"
    assert error.message == (
        "members.cash is 0.1, but 26 U.S.C. § 1388 (Subchapter T) requires at least 0.2 of "
        "each member's share to be paid in cash."
    )


def test_parse_policy__us_patronage_cannot_include_an_equal_share() -> None:
    raw = preset("us_worker_coop")
    raw["members"]["basis"] = {"hours": "0.5", "equal": "0.5"}

    error = refused(raw)

    assert error.code == "allocation_policy_unlawful"
    assert "cannot include an equal share per member" in error.message


def test_parse_policy__the_policys_own_minimums_are_enforced_with_their_own_message() -> None:
    error = refused(custom(minimums={"members": "0.6"}))

    assert error.code == "allocation_policy_unlawful"
    assert error.message == (
        "members.share is 0.5 of the surplus, below the policy's own minimum of 0.6."
    )


def test_parse_policy__the_policys_own_cash_minimum_is_enforced() -> None:
    error = refused(
        custom(members={"share": "0.5", "basis": "pay", "cash": "0.3"},
               minimums={"patronage_cash": "0.5"})
    )

    assert error.message == "members.cash is 0.3, below the policy's own minimum of 0.5 paid in cash."


def test_parse_policy__minimums_refuse_unknown_fields() -> None:
    error = refused(custom(minimums={"interest": "0.1"}))

    assert "minimums has unknown fields: interest" in error.message
