"""Errors raised while reading an allocation policy or allocating a surplus.

Exception tree (part of :mod:`governance.errors`)::

    GovernanceError
    └── AllocationError            base of every allocation error
        ├── InvalidPolicy          the bylaws' policy is malformed (also an InvalidInput)
        │   └── UnlawfulPolicy     the policy breaks its legal form's rules or its own minimums
        └── InvalidAllocation      the surplus or a member's figures cannot be allocated
                                   (also an InvalidInput)

Every error carries a stable ``code`` (see the constants below) and an ``N_``-marked English
template naming the field at fault, so the web and API layers can show it translated.
An allocation never repairs or skips bad input: it refuses the whole allocation.
"""

from __future__ import annotations

from governance.errors import GovernanceError, InvalidInput

# Codes, one per kind of refusal (the API returns them; tests match on them).
POLICY_MISSING = "allocation_policy_missing"
POLICY_INVALID = "invalid_allocation_policy"
POLICY_UNLAWFUL = "allocation_policy_unlawful"
PRESET_UNKNOWN = "allocation_preset_unknown"
NO_SURPLUS = "allocation_no_surplus"
BAD_AMOUNT = "allocation_bad_amount"
TOO_MANY_DECIMALS = "allocation_too_many_decimals"
BAD_PRECISION = "allocation_bad_precision"
DUPLICATE_MEMBER = "allocation_duplicate_member"
NO_PATRONS = "allocation_no_patrons"
BASIS_EMPTY = "allocation_basis_empty"
EXCEEDS_RETAINED = "allocation_exceeds_retained_earnings"


class AllocationError(GovernanceError):
    code = "allocation_error"


class InvalidPolicy(AllocationError, InvalidInput):
    code = POLICY_INVALID


class UnlawfulPolicy(InvalidPolicy):
    code = POLICY_UNLAWFUL


class InvalidAllocation(AllocationError, InvalidInput):
    code = "invalid_allocation"
