"""Properties every allocation keeps, on generated policies, surpluses and members.

* the parts add up exactly to the surplus (and the members' amounts to their parts);
* no amount is negative;
* the order of the members never changes the allocation;
* every rounded amount is within one minor unit of its exact share;
* caps, minimums and cash shares hold on the rounded amounts.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from governance.ledger.allocation import (
    Allocation,
    AllocationPolicy,
    Basis,
    InvalidAllocation,
    MemberBasis,
    Part,
    allocate,
    parse_policy,
)
from governance.ledger.allocation.policy import share_text

shares = st.fractions(min_value=0, max_value=1, max_denominator=40)
figures = st.one_of(
    st.just(Decimal(0)),
    st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(0, 10**7),
              st.integers(0, 3)),
)


@st.composite
def policies(draw: st.DrawFn) -> AllocationPolicy:
    remainder = draw(st.sampled_from(list(Part)))
    fixed: dict[Part, Fraction] = {}
    left = Fraction(1)
    for part in Part:
        if part is not remainder:
            fixed[part] = min(draw(shares), left)
            left -= fixed[part]
    minimum = {part: min(draw(shares), fixed.get(part, left)) for part in Part}

    def text(part: Part) -> str:
        return "remainder" if part is remainder else share_text(fixed[part])

    weights = draw(st.lists(st.integers(0, 5), min_size=3, max_size=3).filter(any))
    whole = sum(weights)
    basis = {b.value: share_text(Fraction(w, whole)) for b, w in zip(Basis, weights, strict=True)}
    surplus_cap = draw(st.none() | shares)
    raw: dict[str, Any] = {
        "legal_form": "custom",
        "legal_reserve": text(Part.LEGAL_RESERVE),
        "indivisible_reserve": text(Part.INDIVISIBLE_RESERVE),
        "members": {"share": text(Part.MEMBERS), "basis": basis,
                    "cash": share_text(draw(shares))},
        "interest": {
            "rate": share_text(draw(st.sampled_from([Fraction(0), Fraction(1, 20)]) | shares)),
            "cash": share_text(draw(shares)),
            "caps": {
                "members_share": draw(st.booleans()),
                "reserves": draw(st.booleans()),
                "surplus_share": None if surplus_cap is None else share_text(surplus_cap),
            },
        },
        "minimums": {
            "legal_reserve": share_text(minimum[Part.LEGAL_RESERVE]),
            "members": share_text(minimum[Part.MEMBERS]),
        },
    }
    policy = parse_policy(raw)
    assert parse_policy(policy.to_json()) == policy
    return policy


@st.composite
def member_lists(draw: st.DrawFn) -> list[MemberBasis]:
    ids = draw(st.lists(st.integers(1, 10**6), unique=True, max_size=12))
    return [
        MemberBasis(member_id, hours=draw(figures), pay=draw(figures), capital=draw(figures))
        for member_id in ids
    ]


surpluses = st.integers(1, 10**9)
precisions = st.integers(0, 4)


def units(amount: Decimal, precision: int) -> int:
    scaled = amount.scaleb(precision)
    assert scaled == scaled.to_integral_value()
    return int(scaled)


def run(
    policy: AllocationPolicy, total: int, members: list[MemberBasis], precision: int
) -> Allocation:
    try:
        return allocate(policy, Decimal(total).scaleb(-precision), members, precision)
    except InvalidAllocation as error:
        # Only these refusals are expected from valid inputs: nobody (or no basis) to pay.
        assert error.code in {"allocation_no_patrons", "allocation_basis_empty"}
        assume(False)
        raise


@given(policies(), surpluses, member_lists(), precisions)
@settings(max_examples=100, deadline=None)
def test_allocation__parts_sum_exactly_and_nothing_is_negative(
    policy: AllocationPolicy, total: int, members: list[MemberBasis], precision: int
) -> None:
    allocation = run(policy, total, members, precision)

    def u(amount: Decimal) -> int:
        return units(amount, precision)

    parts = [allocation.legal_reserve, allocation.indivisible_reserve, allocation.interest,
             allocation.patronage]
    assert sum(u(p) for p in parts) == total == u(allocation.surplus)
    assert sum(u(m.interest) for m in allocation.members) == u(allocation.interest)
    assert sum(u(m.patronage) for m in allocation.members) == u(allocation.patronage)
    assert all(u(p) >= 0 for p in parts)
    for member in allocation.members:
        for amount in (member.interest_cash, member.interest_credit, member.patronage_cash,
                       member.patronage_credit):
            assert u(amount) >= 0
            assert amount.as_tuple().exponent == -precision
    assert sum(u(line.amount) for line in allocation.lines()) == total
    assert all(line.amount > 0 for line in allocation.lines())
    assert sum(line.amount for line in allocation.balanced_lines()) == 0


@given(policies(), surpluses, member_lists(), precisions, st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_allocation__member_order_never_matters(
    policy: AllocationPolicy,
    total: int,
    members: list[MemberBasis],
    precision: int,
    rng: random.Random,
) -> None:
    allocation = run(policy, total, members, precision)
    shuffled = list(members)
    rng.shuffle(shuffled)

    assert run(policy, total, shuffled, precision) == allocation
    assert [m.member_id for m in allocation.members] == sorted(m.member_id for m in members)


@given(policies(), surpluses, member_lists(), precisions)
@settings(max_examples=100, deadline=None)
def test_allocation__every_amount_is_within_one_unit_of_its_exact_share(
    policy: AllocationPolicy, total: int, members: list[MemberBasis], precision: int
) -> None:
    allocation = run(policy, total, members, precision)

    def u(amount: Decimal) -> int:
        return units(amount, precision)

    # Fixed parts: within one unit of share × surplus.
    got = {
        Part.LEGAL_RESERVE: u(allocation.legal_reserve),
        Part.MEMBERS: u(allocation.patronage),
        Part.INDIVISIBLE_RESERVE: u(allocation.indivisible_reserve),
    }
    for part, share in policy.shares.items():
        if share is not None:
            assert abs(got[part] - share * total) < 1
    # Interest: never above rate × capital, and each member within one unit of its share.
    interest = u(allocation.interest)
    capital = [Fraction(m.capital) * 10**precision for m in allocation.members]
    assert interest <= policy.interest.rate * sum(capital)
    for member, held in zip(allocation.members, capital, strict=True):
        if interest:
            assert abs(u(member.interest) - interest * held / sum(capital)) < 1
        assert u(member.interest) <= math.ceil(policy.interest.rate * held)
    # Patronage: each patron within one unit of its exact share of the members' part.
    patrons = [m for m in allocation.members if m.hours > 0 or m.pay > 0]
    patronage = u(allocation.patronage)
    for member in allocation.members:
        if member not in patrons or patronage == 0:
            assert u(member.patronage) == 0
            continue
        exact = Fraction(0)
        for basis, weight in policy.basis:
            if basis is Basis.EQUAL:
                exact += weight / len(patrons)
            else:
                column = [Fraction(getattr(p, basis.value)) for p in patrons]
                exact += weight * Fraction(getattr(member, basis.value)) / sum(column)
        assert abs(u(member.patronage) - patronage * exact) < 1


@given(policies(), surpluses, member_lists(), precisions)
@settings(max_examples=100, deadline=None)
def test_allocation__caps_minimums_and_cash_shares_hold_after_rounding(
    policy: AllocationPolicy, total: int, members: list[MemberBasis], precision: int
) -> None:
    allocation = run(policy, total, members, precision)

    def u(amount: Decimal) -> int:
        return units(amount, precision)

    interest = u(allocation.interest)
    reserves = u(allocation.legal_reserve) + u(allocation.indivisible_reserve)
    if policy.cap_members:
        assert interest <= u(allocation.patronage)
    if policy.cap_reserves:
        assert interest <= reserves
    if policy.interest.caps.surplus_share is not None:
        assert interest <= policy.interest.caps.surplus_share * total
    assert u(allocation.legal_reserve) >= math.floor(
        policy.minimum(Part.LEGAL_RESERVE) * total)
    assert u(allocation.patronage) >= math.floor(policy.minimum(Part.MEMBERS) * total)
    for member in allocation.members:
        for cash, whole, share in (
            (member.patronage_cash, member.patronage, policy.patronage_cash),
            (member.interest_cash, member.interest, policy.interest.cash),
        ):
            assert 0 <= u(cash) - share * u(whole) < 1
