"""What an allocation produces: amounts per part and per member, ledger lines and a preview.

Amounts are ``Decimal`` with exactly the commodity's number of decimals (``Decimal("12.30")``).
Members are listed by member id whatever the order they were given in, so equal inputs give
equal (``==``) allocations.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from governance.ledger.allocation.law import LegalForm


class LineRole(enum.StrEnum):
    """The account a line goes to, named like the ledger's account purposes."""

    RETAINED = "retained"  # the year's surplus, not yet allocated (the source)
    LEGAL_RESERVE = "legal_reserve"
    INDIVISIBLE_RESERVE = "indivisible_reserve"
    PAYABLE = "payable"  # owed to the member in cash (interest and patronage)
    CAPITAL_ACCOUNT = "capital_account"  # credited to the member's internal capital account


class InterestLimit(enum.StrEnum):
    """What set the total interest on capital."""

    NONE = "none"  # rate × capital was paid in full (or there was no interest to pay)
    ROOM = "room"  # the fixed shares left no more
    MEMBERS_SHARE = "members_share"  # capped at the members' share
    RESERVES = "reserves"  # capped at the reserves
    SURPLUS_SHARE = "surplus_share"  # capped at a share of the surplus
    MINIMUM = "minimum"  # held back to keep the remainder part at its minimum


class AllocationLine(NamedTuple):
    """One plain ledger line: which account (by role and member), how much."""

    role: LineRole
    member_id: int | None
    amount: Decimal


@dataclass(frozen=True)
class MemberAllocation:
    member_id: int
    hours: Decimal
    pay: Decimal
    capital: Decimal
    interest_cash: Decimal
    interest_credit: Decimal  # credited to the capital account
    patronage_cash: Decimal
    patronage_credit: Decimal  # credited to the capital account

    @property
    def interest(self) -> Decimal:
        return self.interest_cash + self.interest_credit

    @property
    def patronage(self) -> Decimal:
        return self.patronage_cash + self.patronage_credit

    @property
    def cash(self) -> Decimal:
        return self.interest_cash + self.patronage_cash

    @property
    def credit(self) -> Decimal:
        return self.interest_credit + self.patronage_credit

    @property
    def total(self) -> Decimal:
        return self.cash + self.credit


@dataclass(frozen=True)
class PreviewTotals:
    surplus: Decimal
    legal_reserve: Decimal
    indivisible_reserve: Decimal
    interest: Decimal
    patronage: Decimal
    cash: Decimal  # paid to members (interest and patronage)
    credit: Decimal  # credited to capital accounts (interest and patronage)

    @property
    def reserves(self) -> Decimal:
        return self.legal_reserve + self.indivisible_reserve


@dataclass(frozen=True)
class PreviewRow:
    member_id: int
    hours: Decimal
    pay: Decimal
    capital: Decimal
    interest: Decimal
    patronage: Decimal
    cash: Decimal
    credit: Decimal
    total: Decimal


@dataclass(frozen=True)
class AllocationPreview:
    """What a member reads before voting: totals, one row per member, what capped interest."""

    legal_form: LegalForm
    precision: int
    totals: PreviewTotals
    rows: tuple[PreviewRow, ...]
    interest_limit: InterestLimit

    def to_json(self) -> dict[str, Any]:
        def text(value: Decimal) -> str:
            return format(value, "f")

        totals = self.totals
        return {
            "legal_form": self.legal_form.value,
            "precision": self.precision,
            "interest_limit": self.interest_limit.value,
            "totals": {
                "surplus": text(totals.surplus),
                "legal_reserve": text(totals.legal_reserve),
                "indivisible_reserve": text(totals.indivisible_reserve),
                "interest": text(totals.interest),
                "patronage": text(totals.patronage),
                "cash": text(totals.cash),
                "credit": text(totals.credit),
            },
            "rows": [
                {
                    "member_id": row.member_id,
                    "hours": text(row.hours),
                    "pay": text(row.pay),
                    "capital": text(row.capital),
                    "interest": text(row.interest),
                    "patronage": text(row.patronage),
                    "cash": text(row.cash),
                    "credit": text(row.credit),
                    "total": text(row.total),
                }
                for row in self.rows
            ],
        }


@dataclass(frozen=True)
class Allocation:
    """A surplus split to the last minor unit: the parts always add up to ``surplus``."""

    legal_form: LegalForm
    precision: int
    surplus: Decimal
    legal_reserve: Decimal
    indivisible_reserve: Decimal
    interest: Decimal
    patronage: Decimal
    members: tuple[MemberAllocation, ...]  # by member id
    interest_limit: InterestLimit

    def lines(self) -> list[AllocationLine]:
        """Where the surplus goes, as positive amounts adding up to ``surplus``.

        One line per reserve, then per member (by id) one ``PAYABLE`` line for the cash and
        one ``CAPITAL_ACCOUNT`` line for the credit (interest and patronage together). Zero
        amounts are left out. The matching debit is the surplus itself, taken from the
        ``RETAINED`` account; :meth:`balanced_lines` includes it.
        """
        found = [
            AllocationLine(LineRole.LEGAL_RESERVE, None, self.legal_reserve),
            AllocationLine(LineRole.INDIVISIBLE_RESERVE, None, self.indivisible_reserve),
        ]
        for member in self.members:
            found.append(AllocationLine(LineRole.PAYABLE, member.member_id, member.cash))
            found.append(
                AllocationLine(LineRole.CAPITAL_ACCOUNT, member.member_id, member.credit)
            )
        return [line for line in found if line.amount != 0]

    def balanced_lines(self) -> list[AllocationLine]:
        """The whole transaction with signed amounts that sum to zero, Beancount's way (debit
        positive): ``RETAINED`` +surplus, then every line of :meth:`lines` negated (credits)."""
        return [AllocationLine(LineRole.RETAINED, None, self.surplus)] + [
            AllocationLine(line.role, line.member_id, -line.amount) for line in self.lines()
        ]

    def preview(self) -> AllocationPreview:
        rows = tuple(
            PreviewRow(
                member_id=m.member_id,
                hours=m.hours,
                pay=m.pay,
                capital=m.capital,
                interest=m.interest,
                patronage=m.patronage,
                cash=m.cash,
                credit=m.credit,
                total=m.total,
            )
            for m in self.members
        )
        zero = Decimal(0).scaleb(-self.precision)
        return AllocationPreview(
            legal_form=self.legal_form,
            precision=self.precision,
            totals=PreviewTotals(
                surplus=self.surplus,
                legal_reserve=self.legal_reserve,
                indivisible_reserve=self.indivisible_reserve,
                interest=self.interest,
                patronage=self.patronage,
                cash=sum((row.cash for row in rows), zero),
                credit=sum((row.credit for row in rows), zero),
            ),
            rows=rows,
            interest_limit=self.interest_limit,
        )
