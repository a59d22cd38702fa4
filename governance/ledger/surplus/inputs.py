"""The frozen inputs of a surplus allocation, as a proposal carries them (pure).

A proposal of effect ``allocate_surplus`` stores :meth:`AllocationInputs.to_json` in its
``payload``: what members see while they vote is exactly what is posted when it passes,
whatever happens to the bylaws or the books in between. JSON form::

    {"fiscal_year": 2026, "surplus": "10000.00", "commodity": "EUR", "precision": 2,
     "policy": {...the bylaws' ledger.allocation, normalised...},
     "members": [{"member_id": 3, "hours": "1600", "pay": "30000", "capital": "100"}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from governance.i18n import N_
from governance.ledger.allocation import (
    Allocation,
    InvalidAllocation,
    MemberBasis,
    allocate,
    parse_policy,
)
from governance.ledger.allocation.errors import BAD_AMOUNT

MIN_YEAR, MAX_YEAR = 1900, 9999
MAX_MEMBERS = 100_000


@dataclass(frozen=True)
class AllocationInputs:
    fiscal_year: int
    surplus: Decimal
    commodity: str
    precision: int
    policy: dict[str, Any]
    members: tuple[MemberBasis, ...]

    def allocate(self) -> Allocation:
        """The allocation these inputs give (the policy is checked again, as on pass)."""
        return allocate(parse_policy(self.policy), self.surplus, self.members, self.precision)

    def to_json(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.fiscal_year,
            "surplus": format(self.surplus, "f"),
            "commodity": self.commodity,
            "precision": self.precision,
            "policy": self.policy,
            "members": [
                {
                    "member_id": m.member_id,
                    "hours": format(m.hours, "f"),
                    "pay": format(m.pay, "f"),
                    "capital": format(m.capital, "f"),
                }
                for m in self.members
            ],
        }


def check_year(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not MIN_YEAR <= raw <= MAX_YEAR:
        raise InvalidAllocation(
            N_("The fiscal year must be a year from %(low)s to %(high)s."),
            code=BAD_AMOUNT,
            low=MIN_YEAR,
            high=MAX_YEAR,
        )
    return raw


def parse_amount(raw: object, where: str) -> Decimal:
    """A decimal written as text (or a whole number): ``"1600"``, ``"30000.50"``."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise InvalidOperation
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidAllocation(
            N_('%(where)s must be an amount written as a decimal number, such as "1600.50".'),
            code=BAD_AMOUNT,
            where=where,
        ) from None
    if not value.is_finite():
        raise InvalidAllocation(
            N_('%(where)s must be an amount written as a decimal number, such as "1600.50".'),
            code=BAD_AMOUNT,
            where=where,
        )
    return value


def parse_member(raw: object, index: int) -> MemberBasis:
    where = f"members[{index}]"
    if not isinstance(raw, dict) or not set(raw) <= {"member_id", "hours", "pay", "capital"}:
        raise InvalidAllocation(
            N_("%(where)s must be an object with member_id, hours, pay and capital."),
            code=BAD_AMOUNT,
            where=where,
        )
    member_id = raw.get("member_id")
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id < 1:
        raise InvalidAllocation(
            N_("%(where)s.member_id must be a member's id."), code=BAD_AMOUNT, where=where
        )
    return MemberBasis(
        member_id,
        hours=parse_amount(raw.get("hours", "0"), f"{where}.hours"),
        pay=parse_amount(raw.get("pay", "0"), f"{where}.pay"),
        capital=parse_amount(raw.get("capital", "0"), f"{where}.capital"),
    )


def from_json(raw: object) -> AllocationInputs:
    """Read a stored payload back; refuses anything malformed (code ``allocation_bad_amount``)."""
    if not isinstance(raw, dict):
        raise InvalidAllocation(
            N_("This proposal carries no allocation figures."), code=BAD_AMOUNT
        )
    members = raw.get("members")
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise InvalidAllocation(
            N_("The allocation lists no members."), code=BAD_AMOUNT
        )
    commodity, precision, policy = raw.get("commodity"), raw.get("precision"), raw.get("policy")
    if not isinstance(commodity, str) or not isinstance(precision, int):
        raise InvalidAllocation(
            N_("The allocation's commodity is missing."), code=BAD_AMOUNT
        )
    parse_policy(policy)  # refuses anything but a valid policy mapping
    return AllocationInputs(
        fiscal_year=check_year(raw.get("fiscal_year")),
        surplus=parse_amount(raw.get("surplus"), "surplus"),
        commodity=commodity,
        precision=precision,
        policy=policy if isinstance(policy, dict) else {},
        members=tuple(parse_member(m, i) for i, m in enumerate(members)),
    )
