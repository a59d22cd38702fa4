"""Exact splitting of a whole number of minor units (cents): the largest remainder method.

Everything here works on Python integers, so no amount is ever rounded twice or lost.

``largest_remainder(total, weights, keys)`` (Hamilton's method): each part first gets the
floor of its exact quota ``total × wᵢ / Σw``; the units left over (fewer than the number of
parts) go one each to the parts with the largest fractional remainders. Equal remainders are
broken by the smaller key (for members: the smaller member id), so the result depends only on
the (weight, key) pairs, never on their order. Hence, for every part:

    Σ partᵢ = total,        floor(quotaᵢ) ≤ partᵢ ≤ ceil(quotaᵢ),     |partᵢ − quotaᵢ| < 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total: int, weights: Sequence[int], keys: Sequence[int]) -> list[int]:
    """Split ``total`` (≥ 0) in proportion to integer ``weights`` (≥ 0, Σ > 0)."""
    whole = sum(weights)
    if total < 0 or whole <= 0 or len(weights) != len(keys):
        raise ValueError("largest_remainder needs total ≥ 0, positive weights and one key each")
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(total * weight, whole)
        parts.append(part)
        remainders.append(remainder)
    left = total - sum(parts)
    if left:
        # Largest remainder first; on a tie, the smaller key first.
        order = sorted(range(len(parts)), key=lambda i: (-remainders[i], keys[i]))
        for index in order[:left]:
            parts[index] += 1
    return parts


def split_quotas(quotas: Sequence[Fraction]) -> list[int]:
    """Round exact quotas whose sum is a whole number, keeping that sum; ties go to the
    earlier quota."""
    whole = sum(quotas, Fraction(0))
    if whole.denominator != 1 or any(q < 0 for q in quotas):
        raise ValueError("split_quotas needs non-negative quotas with a whole-number sum")
    parts = [q.numerator // q.denominator for q in quotas]
    left = int(whole) - sum(parts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for index in order[:left]:
        parts[index] += 1
    return parts


def ceil_share(share: Fraction, amount: int) -> int:
    """``ceil(share × amount)``: the cash part of a dividend, so it never falls below the share."""
    return -((-share.numerator * amount) // share.denominator)
