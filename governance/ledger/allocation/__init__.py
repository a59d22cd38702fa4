"""Surplus allocation: pure functions of (policy, surplus, members) → :class:`Allocation`.

No database, no clock, no I/O; the standard library only. Entry points::

    parse_policy(raw: object) -> AllocationPolicy          # the bylaws' ledger.allocation
    preset(name: str) -> dict                              # "fr_scop" | "us_worker_coop"
    allocate(policy, surplus: Decimal, members: Sequence[MemberBasis], precision: int)
        -> Allocation                                      # .lines() .balanced_lines() .preview()

Posting to the books is in :mod:`governance.ledger.allocation.posting` (it uses the database,
so this package does not import it): ``await posting.post(session, allocation, commodity=…,
day=…, description=…, by=…, now=…) -> Transaction``.

Formulas (docs/allocation.md explains them with examples)
---------------------------------------------------------
Work in minor units: ``S = surplus × 10^precision`` (an integer). Shares ``ℓ`` (legal
reserve), ``μ`` (members), ``ρ`` (indivisible reserve); exactly one of them is the remainder.
Fixed parts are exact rationals, and ``room`` is what they leave::

    fixed_X = share_X × S                 room = S − Σ fixed

Interest on capital (``r`` the rate, ``Cᵢ`` each member's capital)::

    wanted = r × Σ Cᵢ
    I* = min(wanted, room, caps…)         I = floor(I*)
    cap "members_share":  I ≤ M           cap "reserves": I ≤ L + R
    cap "surplus_share" x: I ≤ x × S      minimum m of the remainder part: I ≤ room − m × S

where a capped part that takes the remainder is ``fixed + (room − I)``, so its cap reads
``I ≤ (fixed + room) / 2``. The remainder part is ``room − I``.

Rounding. The three parts (legal reserve, members, indivisible reserve; quotas summing to
``S − I``) are rounded by the largest remainder method, ties in that order; if that leaves
``I`` one unit above a capped part, one unit moves from the interest to the remainder part.
Then, by the largest remainder method again (ties: smaller member id first)::

    interestᵢ  ∝ Cᵢ                              Σ interestᵢ = I
    patronageᵢ ∝ Σ_k w_k × xᵢₖ / Σⱼ xⱼₖ          Σ patronageᵢ = M      (k: hours, pay, equal)

over the patrons (members with hours or pay; ``x = 1`` for "equal"). Each member's cash is
``ceil(cash share × amount)`` (interest and patronage separately), the rest is credited to
the member's capital account. Hence ``L + R + I + Σ patronageᵢ = S`` exactly, no amount is
negative, the order of the members never matters, and every member's amount is within one
unit of its exact share.
"""

from governance.ledger.allocation.allocate import (
    MAX_AMOUNT,
    MAX_DECIMALS,
    MAX_PRECISION,
    MemberBasis,
    allocate,
)
from governance.ledger.allocation.errors import (
    AllocationError,
    InvalidAllocation,
    InvalidPolicy,
    UnlawfulPolicy,
)
from governance.ledger.allocation.law import RULES, LegalForm, LegalRules
from governance.ledger.allocation.policy import (
    AllocationPolicy,
    Basis,
    InterestCaps,
    InterestRule,
    Minimums,
    Part,
    parse_policy,
)
from governance.ledger.allocation.presets import PRESET_LABELS, PRESETS, preset
from governance.ledger.allocation.result import (
    Allocation,
    AllocationLine,
    AllocationPreview,
    InterestLimit,
    LineRole,
    MemberAllocation,
    PreviewRow,
    PreviewTotals,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_DECIMALS",
    "MAX_PRECISION",
    "PRESETS",
    "PRESET_LABELS",
    "RULES",
    "Allocation",
    "AllocationError",
    "AllocationLine",
    "AllocationPolicy",
    "AllocationPreview",
    "Basis",
    "InterestCaps",
    "InterestLimit",
    "InterestRule",
    "InvalidAllocation",
    "InvalidPolicy",
    "LegalForm",
    "LegalRules",
    "LineRole",
    "MemberAllocation",
    "MemberBasis",
    "Minimums",
    "Part",
    "PreviewRow",
    "PreviewTotals",
    "UnlawfulPolicy",
    "allocate",
    "parse_policy",
    "preset",
]
