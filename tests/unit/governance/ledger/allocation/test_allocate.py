"""Allocating a surplus: worked examples computed by hand, each cap, and every refusal."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from governance.ledger.allocation import (
    Allocation,
    Basis,
    InterestLimit,
    InvalidAllocation,
    InvalidPolicy,
    LegalForm,
    LineRole,
    MemberBasis,
    Part,
    UnlawfulPolicy,
    allocate,
    parse_policy,
    preset,
)

D = Decimal


def scop(rate: str = "0.02") -> Any:
    raw = preset("fr_scop")
    raw["interest"]["rate"] = rate
    return parse_policy(raw)


def three_scop_members(capital_3: str = "1500") -> list[MemberBasis]:
    return [
        MemberBasis(1, hours=D("1600"), pay=D("30000"), capital=D("1000")),
        MemberBasis(2, hours=D("800"), pay=D("20000"), capital=D("500")),
        MemberBasis(3, hours=D("1200"), pay=D("25000"), capital=D(capital_3)),
    ]


def by_member(allocation: Allocation) -> dict[int, tuple[Decimal, Decimal, Decimal, Decimal]]:
    return {
        m.member_id: (m.interest_cash, m.interest_credit, m.patronage_cash, m.patronage_credit)
        for m in allocation.members
    }


# --- worked examples -----------------------------------------------------------------------


def test_allocate__scop_with_three_members_matches_the_hand_computation() -> None:
    """A SCOP (loi n° 78-763, art. 33) with a 10,000.00 EUR surplus and 2 % interest.

    Legal reserve 15 % = 1,500.00. Workers' share ("part travail") 45 % = 4,500.00, half by
    hours (1600 + 800 + 1200 = 3600 h), half by pay (30,000 + 20,000 + 25,000 = 75,000):
      member 1: ½·1600/3600 + ½·30000/75000 = 2/9 + 1/5  = 19/45 → 1,900.00
      member 2: ½·800/3600  + ½·20000/75000 = 1/9 + 2/15 = 11/45 → 1,100.00
      member 3: ½·1200/3600 + ½·25000/75000 = 1/6 + 1/6  = 15/45 → 1,500.00
    Interest 2 % of capital (1,000 + 500 + 1,500) = 60.00: 20.00, 10.00, 30.00 — below the
    workers' share (4,500) and the reserves (1,500 + 3,940), so paid in full.
    Development fund (indivisible reserve, the remainder): 10,000 − 1,500 − 4,500 − 60 = 3,940.
    """
    allocation = allocate(scop(), D("10000.00"), three_scop_members(), precision=2)

    assert allocation.legal_form is LegalForm.FR_SCOP
    assert allocation.legal_reserve == D("1500.00")
    assert allocation.patronage == D("4500.00")
    assert allocation.interest == D("60.00")
    assert allocation.indivisible_reserve == D("3940.00")
    assert allocation.interest_limit is InterestLimit.NONE
    assert by_member(allocation) == {
        1: (D("20.00"), D("0.00"), D("1900.00"), D("0.00")),
        2: (D("10.00"), D("0.00"), D("1100.00"), D("0.00")),
        3: (D("30.00"), D("0.00"), D("1500.00"), D("0.00")),
    }
    assert str(allocation.members[0].patronage) == "1900.00"


def test_allocate__scop_interest_is_capped_at_the_reserves() -> None:
    """Member 3 holds 150,000 of capital: 2 % of 151,500 = 3,030.00 wanted.

    The development fund takes the remainder, so "interest ≤ reserves" reads
    I ≤ 1,500 + (4,000 − I), i.e. I ≤ 2,750.00; then reserves = 1,500 + 1,250 = 2,750 = I.
    Split by capital: 2,750 × (1,000; 500; 150,000) / 151,500 = 18.1518…, 9.0759…, 2,722.7722…
    → floors 18.15, 9.07, 2,722.77 leave one cent, which goes to the largest remainder (.59,
    member 2): 18.15, 9.08, 2,722.77.
    """
    allocation = allocate(scop(), D("10000.00"), three_scop_members("150000"), precision=2)

    assert allocation.interest_limit is InterestLimit.RESERVES
    assert allocation.interest == D("2750.00")
    assert allocation.legal_reserve + allocation.indivisible_reserve == D("2750.00")
    assert allocation.indivisible_reserve == D("1250.00")
    assert [m.interest for m in allocation.members] == [D("18.15"), D("9.08"), D("2722.77")]
    assert allocation.patronage == D("4500.00")


def test_allocate__us_worker_coop_by_hours_matches_the_hand_computation() -> None:
    """A US worker co-op (Subchapter T) with a 50,000.00 USD surplus, the us_worker_coop preset.

    Collective (unallocated) reserve 10 % = 5,000.00; patronage 45,000.00 by hours
    (2000 + 1500 + 500 = 4000 h): 22,500.00, 16,875.00, 5,625.00. 20 % of each in cash
    (26 U.S.C. § 1388(c)): 4,500.00, 3,375.00, 1,125.00; the rest is credited to the
    members' internal capital accounts as qualified written notices of allocation.
    """
    members = [
        MemberBasis(10, hours=D("2000")),
        MemberBasis(11, hours=D("1500")),
        MemberBasis(12, hours=D("500")),
    ]

    allocation = allocate(parse_policy(preset("us_worker_coop")), D("50000"), members, 2)

    assert allocation.legal_reserve == D("0.00")
    assert allocation.indivisible_reserve == D("5000.00")
    assert allocation.interest == D("0.00")
    assert by_member(allocation) == {
        10: (D("0.00"), D("0.00"), D("4500.00"), D("18000.00")),
        11: (D("0.00"), D("0.00"), D("3375.00"), D("13500.00")),
        12: (D("0.00"), D("0.00"), D("1125.00"), D("4500.00")),
    }


def test_allocate__us_rounding_to_the_cent_follows_the_largest_remainder_rule() -> None:
    """100.01 USD: reserve quota 10.001, patronage 90.009 → one cent left over goes to the
    larger remainder (patronage): 10.00 and 90.01. 9,001 cents over three equal members:
    3,000 each and one left, tied → the smallest id (10) gets it: 30.01. Its cash is
    ceil(20 % × 3,001) = 601 cents: 6.01 paid, 24.00 credited."""
    members = [MemberBasis(i, hours=D("1000")) for i in (12, 10, 11)]

    allocation = allocate(parse_policy(preset("us_worker_coop")), D("100.01"), members, 2)

    assert allocation.indivisible_reserve == D("10.00")
    assert allocation.patronage == D("90.01")
    assert by_member(allocation) == {
        10: (D("0.00"), D("0.00"), D("6.01"), D("24.00")),
        11: (D("0.00"), D("0.00"), D("6.00"), D("24.00")),
        12: (D("0.00"), D("0.00"), D("6.00"), D("24.00")),
    }


# --- what limits interest -------------------------------------------------------------------


def custom(**changes: Any) -> Any:
    raw: dict[str, Any] = {
        "legal_reserve": "0.1",
        "indivisible_reserve": "remainder",
        "members": {"share": "0.5", "basis": "hours"},
        "interest": {"rate": "1", "cash": "1"},
    }
    raw.update(changes)
    return parse_policy(raw)


RICH = [MemberBasis(1, hours=D(1), capital=D("1000000")), MemberBasis(2, hours=D(1))]


def test_allocate__interest_without_caps_fills_the_room_the_fixed_shares_leave() -> None:
    allocation = allocate(custom(), D("1000"), RICH, 2)

    assert allocation.interest_limit is InterestLimit.ROOM
    assert allocation.interest == D("400.00")
    assert allocation.indivisible_reserve == D("0.00")


def test_allocate__interest_capped_at_a_share_of_the_surplus() -> None:
    policy = custom(interest={"rate": "1", "caps": {"surplus_share": "0.05"}})

    allocation = allocate(policy, D("1000"), RICH, 2)

    assert allocation.interest_limit is InterestLimit.SURPLUS_SHARE
    assert allocation.interest == D("50.00")
    assert allocation.indivisible_reserve == D("350.00")


def test_allocate__interest_capped_at_a_fixed_members_share() -> None:
    policy = custom(
        members={"share": "0.1", "basis": "hours"},
        interest={"rate": "1", "caps": {"members_share": True}},
    )

    allocation = allocate(policy, D("1000"), RICH, 2)

    assert allocation.interest_limit is InterestLimit.MEMBERS_SHARE
    assert allocation.interest == allocation.patronage == D("100.00")


def test_allocate__interest_is_held_back_to_keep_the_remainder_at_its_minimum() -> None:
    policy = custom(
        indivisible_reserve="0.2",
        members={"share": "remainder", "basis": "hours"},
        minimums={"members": "0.3"},
    )

    allocation = allocate(policy, D("1000"), RICH, 2)

    assert allocation.interest_limit is InterestLimit.MINIMUM
    assert allocation.interest == D("400.00")
    assert allocation.patronage == D("300.00")


def test_allocate__interest_split_between_cash_and_capital_account() -> None:
    policy = custom(interest={"rate": "0.05", "cash": "1/3"})
    members = [MemberBasis(1, hours=D(1), capital=D("100.00"))]

    allocation = allocate(policy, D("1000"), members, 2)

    member = allocation.members[0]
    assert (member.interest_cash, member.interest_credit) == (D("1.67"), D("3.33"))


def test_allocate__a_member_with_neither_hours_nor_pay_receives_interest_only() -> None:
    members = [*three_scop_members(), MemberBasis(4, capital=D("1000"))]

    allocation = allocate(scop(), D("10000.00"), members, precision=2)

    retired = allocation.members[3]
    assert (retired.interest, retired.patronage) == (D("20.00"), D("0.00"))
    assert allocation.patronage == D("4500.00")


def test_allocate__an_equal_split_goes_to_patrons_only() -> None:
    policy = custom(members={"share": "0.5", "basis": "equal"}, interest={"rate": "0"})
    members = [MemberBasis(1, hours=D(1)), MemberBasis(2, pay=D(1)), MemberBasis(3)]

    allocation = allocate(policy, D("90"), members, 0)

    assert [m.patronage for m in allocation.members] == [D(23), D(22), D(0)]


def test_allocate__no_members_share_needs_no_patrons() -> None:
    policy = custom(members={"share": "0", "basis": "hours"}, interest={"rate": "0"})

    allocation = allocate(policy, D("10"), [], 0)

    assert (allocation.legal_reserve, allocation.indivisible_reserve) == (D(1), D(9))
    assert allocation.members == ()


def test_allocate__precision_zero_counts_whole_units() -> None:
    allocation = allocate(scop(rate="0"), D("7"), three_scop_members(), precision=0)

    # Quotas: legal 1.05, workers 3.15, fund 2.8 → 1, 3, 2 and one left to the fund (.8).
    assert (allocation.legal_reserve, allocation.patronage, allocation.indivisible_reserve) == (
        D(1), D(3), D(3))
    assert sum(m.total for m in allocation.members) == D(3)


# --- ledger lines and preview -----------------------------------------------------------------


def test_lines__reserves_then_members_by_id_and_they_add_up_to_the_surplus() -> None:
    allocation = allocate(
        parse_policy(preset("us_worker_coop")),
        D("100.01"),
        [MemberBasis(i, hours=D("1000")) for i in (12, 10, 11)],
        2,
    )

    lines = allocation.lines()

    assert lines[:3] == [
        (LineRole.INDIVISIBLE_RESERVE, None, D("10.00")),
        (LineRole.PAYABLE, 10, D("6.01")),
        (LineRole.CAPITAL_ACCOUNT, 10, D("24.00")),
    ]
    assert len(lines) == 7  # no zero legal reserve line
    assert sum(amount for _, _, amount in lines) == D("100.01")


def test_balanced_lines__debit_the_retained_surplus_and_sum_to_zero() -> None:
    allocation = allocate(scop(), D("10000.00"), three_scop_members(), precision=2)

    lines = allocation.balanced_lines()

    assert lines[0] == (LineRole.RETAINED, None, D("10000.00"))
    assert all(amount < 0 for _, _, amount in lines[1:])
    assert sum(amount for _, _, amount in lines) == 0
    assert (LineRole.PAYABLE, 1, D("-1920.00")) in lines


def test_preview__totals_and_rows_with_strings_for_the_api() -> None:
    allocation = allocate(parse_policy(preset("us_worker_coop")), D("50000"),
                          [MemberBasis(10, hours=D("2000")), MemberBasis(11, hours=D("2000"))], 2)

    preview = allocation.preview()

    assert preview.totals.reserves == D("5000.00")
    assert (preview.totals.cash, preview.totals.credit) == (D("9000.00"), D("36000.00"))
    data = preview.to_json()
    assert data["totals"]["patronage"] == "45000.00"
    assert data["rows"][0] == {
        "member_id": 10, "hours": "2000", "pay": "0", "capital": "0", "interest": "0.00",
        "patronage": "22500.00", "cash": "4500.00", "credit": "18000.00", "total": "22500.00",
    }
    assert data["legal_form"] == "us_worker_coop"
    assert data["interest_limit"] == "none"


# --- refusals --------------------------------------------------------------------------------


def refused(*args: Any, **kwargs: Any) -> InvalidAllocation:
    with pytest.raises(InvalidAllocation) as caught:
        allocate(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("surplus", ["0", "-100.00", "0.00"])
def test_allocate__no_surplus_is_refused_and_a_loss_is_not_allocated(surplus: str) -> None:
    error = refused(scop(), D(surplus), three_scop_members(), 2)

    assert error.code == "allocation_no_surplus"
    assert "A loss is not allocated" in error.message


def test_allocate__a_surplus_with_more_decimals_than_the_commodity_is_refused() -> None:
    error = refused(scop(), D("10.005"), three_scop_members(), 2)

    assert error.code == "allocation_too_many_decimals"
    assert error.message == "The surplus 10.005 has more than 2 decimals."


@pytest.mark.parametrize("surplus", [10.5, D("NaN"), D("Infinity"), D("1E+15"), "10", 10])
def test_allocate__a_surplus_that_is_not_an_exact_amount_is_refused(surplus: Any) -> None:
    assert refused(scop(), surplus, three_scop_members(), 2).code == "allocation_bad_amount"


@pytest.mark.parametrize("precision", [-1, 9, True, 2.0])
def test_allocate__a_bad_precision_is_refused(precision: Any) -> None:
    assert refused(scop(), D("10"), three_scop_members(), precision).code == (
        "allocation_bad_precision"
    )


def test_allocate__a_member_listed_twice_is_refused() -> None:
    members = [*three_scop_members(), MemberBasis(2, hours=D(5))]

    error = refused(scop(), D("10"), members, 2)

    assert error.code == "allocation_duplicate_member"
    assert error.message == "Member 2 is listed twice."


@pytest.mark.parametrize(
    ("member", "field"),
    [
        (MemberBasis(7, hours=D("-1")), "hours"),
        (MemberBasis(7, pay=10.0), "pay"),  # type: ignore[arg-type]
        (MemberBasis(7, capital=D("NaN")), "capital"),
        (MemberBasis(7, hours=D("1E+16")), "hours"),
    ],
)
def test_allocate__a_bad_member_figure_names_the_member_and_field(
    member: MemberBasis, field: str
) -> None:
    error = refused(scop(), D("10"), [*three_scop_members(), member], 2)

    assert error.code == "allocation_bad_amount"
    assert error.message.startswith(f"Member 7: {field} must be an exact decimal")


def test_allocate__a_member_id_must_be_a_whole_number() -> None:
    error = refused(scop(), D("10"), [MemberBasis("ada", hours=D(1))], 2)  # type: ignore[arg-type]

    assert error.message == "A member id must be a whole number, not 'ada'."


def test_allocate__figures_with_more_than_twelve_decimals_are_refused() -> None:
    error = refused(scop(), D("10"), [MemberBasis(5, hours=D("0.0000000000001"))], 2)

    assert error.code == "allocation_too_many_decimals"
    assert error.message == "Member 5: hours has more than 12 decimals."


def test_allocate__a_members_share_with_nobody_who_worked_is_refused() -> None:
    error = refused(scop(), D("10"), [MemberBasis(1, capital=D(5))], 2)

    assert error.code == "allocation_no_patrons"


def test_allocate__no_members_at_all_is_refused_when_there_is_a_members_share() -> None:
    assert refused(scop(), D("10"), [], 2).code == "allocation_no_patrons"


def test_allocate__a_basis_nobody_has_is_refused_by_name() -> None:
    policy = parse_policy(preset("us_worker_coop"))  # by hours

    error = refused(policy, D("10"), [MemberBasis(1, pay=D("100"))], 2)

    assert error.code == "allocation_basis_empty"
    assert error.message == (
        "The members' share is split by hours, but no member has any hours recorded."
    )


def test_allocate__a_policy_built_in_code_is_checked_like_a_parsed_one() -> None:
    policy = parse_policy(preset("fr_scop"))
    unlawful = replace(policy, shares={**policy.shares, Part.MEMBERS: Fraction(1, 10)})
    two_remainders = replace(policy, shares={**policy.shares, Part.MEMBERS: None})
    zero_weight = replace(policy, basis=((Basis.HOURS, Fraction(1)), (Basis.PAY, Fraction(0))))

    with pytest.raises(UnlawfulPolicy):
        allocate(unlawful, D("10"), three_scop_members(), 2)
    with pytest.raises(InvalidPolicy, match='must be "remainder"'):
        allocate(two_remainders, D("10"), three_scop_members(), 2)
    with pytest.raises(InvalidPolicy, match="not in its normal form"):
        allocate(zero_weight, D("10"), three_scop_members(), 2)
