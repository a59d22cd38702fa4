"""Split a surplus by an allocation policy: :func:`allocate`.

Computed in integer minor units (cents for a currency with 2 decimals) and exact rationals;
``Decimal`` only at the edges. The formulas and the rounding rule are in the package docstring
(:mod:`governance.ledger.allocation`) and in docs/allocation.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from governance.i18n import N_
from governance.ledger.allocation.errors import (
    BAD_AMOUNT,
    BAD_PRECISION,
    BASIS_EMPTY,
    DUPLICATE_MEMBER,
    NO_PATRONS,
    NO_SURPLUS,
    TOO_MANY_DECIMALS,
    InvalidAllocation,
)
from governance.ledger.allocation.policy import (
    RESERVES,
    AllocationPolicy,
    Basis,
    Part,
    check_policy,
)
from governance.ledger.allocation.result import (
    Allocation,
    InterestLimit,
    MemberAllocation,
)
from governance.ledger.allocation.rounding import ceil_share, largest_remainder, split_quotas

MAX_PRECISION = 8  # as the ledger's commodities (governance.ledger.commodity.MAX_PRECISION)
MAX_DECIMALS = 12  # of hours, pay and capital
MAX_AMOUNT = 10**15  # surplus, hours, pay and capital stay below this
MAX_MEMBERS = 1_000_000
ZERO = Fraction(0)


@dataclass(frozen=True)
class MemberBasis:
    """One member's figures for the period: hours worked, pay received, capital held.

    A member with hours or pay is a *patron* and shares in the members' part; a member with
    neither still receives interest on capital. Who is listed is the caller's choice (e.g. in
    a SCOP, every employee with three months' presence or six months' seniority).
    """

    member_id: int
    hours: Decimal = Decimal(0)
    pay: Decimal = Decimal(0)
    capital: Decimal = Decimal(0)


def allocate(
    policy: AllocationPolicy,
    surplus: Decimal,
    members: Sequence[MemberBasis],
    precision: int,
) -> Allocation:
    """Split ``surplus`` (a positive amount with at most ``precision`` decimals) among the
    reserves and ``members`` as ``policy`` says; every amount has ``precision`` decimals and
    the parts add up exactly to ``surplus``.

    Raises :class:`InvalidPolicy` for a policy :func:`parse_policy` would not produce, and
    :class:`InvalidAllocation` (an ``InvalidInput``) with a specific code for: a bad
    precision, a surplus that is not positive or has too many decimals, a member listed twice
    or with a bad figure, a members' share with nobody to receive it (no hours and no pay), or
    a basis that nobody has (e.g. split by hours while no hours were recorded).
    """
    check_policy(policy)
    _check_precision(precision)
    total = _surplus_units(surplus, precision)
    bases = _check_members(members)
    ids = [m.member_id for m in bases]
    hours, _ = _column(bases, "hours")
    pay, _ = _column(bases, "pay")
    capital, capital_places = _column(bases, "capital")

    # 1. Fixed parts exactly; the remainder part gets what is left after interest.
    exact: dict[Part, Fraction] = {
        part: share * total for part, share in policy.shares.items() if share is not None
    }
    room = total - sum(exact.values(), ZERO)
    interest_exact, limit = _interest(policy, total, room, exact, sum(capital), capital_places,
                                      precision)
    interest = math.floor(interest_exact)
    exact[policy.remainder] = room - interest
    order = (Part.LEGAL_RESERVE, Part.MEMBERS, Part.INDIVISIBLE_RESERVE)
    rounded = dict(zip(order, split_quotas([exact[p] for p in order]), strict=True))
    interest = _respect_caps(policy, interest, rounded)

    # 2. The members' share, by the policy's basis, among the patrons.
    patronage = [0] * len(bases)
    if exact[Part.MEMBERS] > 0:
        weights = _basis_weights(policy, hours, pay)
        patronage = largest_remainder(rounded[Part.MEMBERS], weights, ids)

    # 3. Interest in proportion to capital (the exact rate × capital when nothing capped it).
    interests = [0] * len(bases)
    if interest > 0:
        interests = largest_remainder(interest, capital, ids)

    def money(units: int) -> Decimal:
        return Decimal(units).scaleb(-precision)

    rows = []
    for index, basis in enumerate(bases):
        interest_cash = ceil_share(policy.interest.cash, interests[index])
        patronage_cash = ceil_share(policy.patronage_cash, patronage[index])
        rows.append(
            MemberAllocation(
                member_id=basis.member_id,
                hours=basis.hours,
                pay=basis.pay,
                capital=basis.capital,
                interest_cash=money(interest_cash),
                interest_credit=money(interests[index] - interest_cash),
                patronage_cash=money(patronage_cash),
                patronage_credit=money(patronage[index] - patronage_cash),
            )
        )
    return Allocation(
        legal_form=policy.legal_form,
        precision=precision,
        surplus=money(total),
        legal_reserve=money(rounded[Part.LEGAL_RESERVE]),
        indivisible_reserve=money(rounded[Part.INDIVISIBLE_RESERVE]),
        interest=money(interest),
        patronage=money(rounded[Part.MEMBERS]),
        members=tuple(rows),
        interest_limit=limit,
    )


# --- interest ------------------------------------------------------------------------------


def _interest(
    policy: AllocationPolicy,
    total: int,
    room: Fraction,
    fixed: dict[Part, Fraction],
    capital_sum: int,
    capital_places: int,
    precision: int,
) -> tuple[Fraction, InterestLimit]:
    """The exact total interest (in minor units) and what limited it.

    Wanted: ``rate × Σ capital``. Each ceiling is linear in the interest ``I``, because the
    remainder part is ``room − I``: a cap on a part that takes the remainder reads
    ``I ≤ fixed + (room − I)``, i.e. ``I ≤ (fixed + room) / 2``.
    """
    wanted = policy.interest.rate * Fraction(capital_sum * 10**precision, 10**capital_places)
    remainder = policy.remainder
    limits: list[tuple[Fraction, InterestLimit]] = [(wanted, InterestLimit.NONE)]
    limits.append((room, InterestLimit.ROOM))

    def ceiling(parts: tuple[Part, ...]) -> Fraction:
        base = sum((fixed[p] for p in parts if p in fixed), ZERO)
        return (base + room) / 2 if remainder in parts else base

    if policy.cap_members:
        limits.append((ceiling((Part.MEMBERS,)), InterestLimit.MEMBERS_SHARE))
    if policy.cap_reserves:
        limits.append((ceiling(RESERVES), InterestLimit.RESERVES))
    if policy.interest.caps.surplus_share is not None:
        limits.append((policy.interest.caps.surplus_share * total, InterestLimit.SURPLUS_SHARE))
    floor = policy.minimum(remainder)
    if floor > 0:
        limits.append((room - floor * total, InterestLimit.MINIMUM))
    amount, limit = min(limits, key=lambda item: item[0])  # stable: NONE wins a tie
    return max(amount, ZERO), limit


def _respect_caps(policy: AllocationPolicy, interest: int, rounded: dict[Part, int]) -> int:
    """Rounding the parts can leave the interest one unit above a capped part; take that unit
    off the interest and give it to the remainder part (at most a couple of units)."""

    def over() -> bool:
        reserves = rounded[Part.LEGAL_RESERVE] + rounded[Part.INDIVISIBLE_RESERVE]
        return (policy.cap_members and interest > rounded[Part.MEMBERS]) or (
            policy.cap_reserves and interest > reserves
        )

    while interest > 0 and over():
        interest -= 1
        rounded[policy.remainder] += 1
    return interest


# --- members' share ------------------------------------------------------------------------


def _basis_weights(policy: AllocationPolicy, hours: list[int], pay: list[int]) -> list[int]:
    """Integer weights ``wᵢ`` with ``wᵢ / Σw = Σ_k weight_k × xᵢₖ / Σ xₖ`` for the patrons
    (members with hours or pay) and 0 for everyone else."""
    patrons = [h > 0 or p > 0 for h, p in zip(hours, pay, strict=True)]
    count = sum(patrons)
    if count == 0:
        raise InvalidAllocation(
            N_("The members' share cannot be paid: no member has hours or pay recorded."),
            code=NO_PATRONS,
        )
    columns = {
        Basis.HOURS: hours,
        Basis.PAY: pay,
        Basis.EQUAL: [1 if patron else 0 for patron in patrons],
    }
    totals = {basis: sum(columns[basis]) for basis, _ in policy.basis}
    for basis, total in totals.items():
        if total == 0:
            raise InvalidAllocation(
                N_("The members' share is split by %(basis)s, but no member has any "
                   "%(basis)s recorded."),
                code=BASIS_EMPTY,
                basis=basis.value,
            )
    denominator = math.lcm(*(weight.denominator for _, weight in policy.basis))
    common = math.lcm(*totals.values())
    factors = [
        (columns[basis], weight.numerator * (denominator // weight.denominator)
         * (common // totals[basis]))
        for basis, weight in policy.basis
    ]
    if len(factors) == 1:
        column, factor = factors[0]
        return [x * factor for x in column]
    return [
        sum(column[i] * factor for column, factor in factors) for i in range(len(hours))
    ]


# --- input checks --------------------------------------------------------------------------


def _check_precision(precision: int) -> None:
    if isinstance(precision, bool) or not isinstance(precision, int) or not (
        0 <= precision <= MAX_PRECISION
    ):
        raise InvalidAllocation(
            N_("A precision is a number of decimals from 0 to %(max)s."),
            code=BAD_PRECISION,
            max=MAX_PRECISION,
        )


def _is_amount(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and abs(value) < MAX_AMOUNT


def _surplus_units(surplus: Decimal, precision: int) -> int:
    if not _is_amount(surplus):
        raise InvalidAllocation(
            N_("The surplus must be an exact decimal amount below %(max)s."),
            code=BAD_AMOUNT,
            max=MAX_AMOUNT,
        )
    if surplus <= 0:
        raise InvalidAllocation(
            N_("There is no surplus to allocate (%(surplus)s). A loss is not allocated: "
               "record it against the reserves or carry it forward instead."),
            code=NO_SURPLUS,
            surplus=format(surplus, "f"),
        )
    with localcontext(prec=40):
        scaled = surplus.scaleb(precision)
    if scaled != scaled.to_integral_value():
        raise InvalidAllocation(
            N_("The surplus %(surplus)s has more than %(precision)s decimals."),
            code=TOO_MANY_DECIMALS,
            surplus=format(surplus, "f"),
            precision=precision,
        )
    return int(scaled)


def _check_members(members: Sequence[MemberBasis]) -> list[MemberBasis]:
    """Members sorted by id, each figure checked; refuses duplicates."""
    if len(members) > MAX_MEMBERS:
        raise InvalidAllocation(
            N_("At most %(max)s members can share an allocation."), code=BAD_AMOUNT,
            max=MAX_MEMBERS,
        )
    seen: set[int] = set()
    for member in members:
        member_id = member.member_id
        if isinstance(member_id, bool) or not isinstance(member_id, int):
            raise InvalidAllocation(
                N_("A member id must be a whole number, not %(value)s."),
                code=BAD_AMOUNT,
                value=repr(member_id),
            )
        if member_id in seen:
            raise InvalidAllocation(
                N_("Member %(member)s is listed twice."), code=DUPLICATE_MEMBER, member=member_id
            )
        seen.add(member_id)
        for name in ("hours", "pay", "capital"):
            value = getattr(member, name)
            if not _is_amount(value) or value < 0:
                raise InvalidAllocation(
                    N_("Member %(member)s: %(field)s must be an exact decimal from 0 to below "
                       "%(max)s, not %(value)s."),
                    code=BAD_AMOUNT,
                    member=member_id,
                    field=name,
                    max=MAX_AMOUNT,
                    value=str(value),
                )
    return sorted(members, key=lambda m: m.member_id)


def _column(members: Sequence[MemberBasis], name: str) -> tuple[list[int], int]:
    """One figure of every member as integers at a common scale: ``(values × 10^places,
    places)``, ``places`` being the most decimals any member's figure has."""
    values: list[Decimal] = [getattr(m, name) for m in members]
    places = max((-v.as_tuple().exponent for v in values), default=0)  # type: ignore[operator]
    places = max(places, 0)
    if places > MAX_DECIMALS:
        worst = next(m for m, v in zip(members, values, strict=True)
                     if -v.as_tuple().exponent == places)  # type: ignore[operator]
        raise InvalidAllocation(
            N_("Member %(member)s: %(field)s has more than %(max)s decimals."),
            code=TOO_MANY_DECIMALS,
            member=worst.member_id,
            field=name,
            max=MAX_DECIMALS,
        )
    with localcontext(prec=40):
        return [int(v.scaleb(places)) for v in values], places
