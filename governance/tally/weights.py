"""Class caps: per-class scale factors so that no capped class exceeds its share of all weight.

With ``E_i`` the eligible weight of class ``i``, ``T = Σ E_i`` and ``c_i`` its cap, the scaled
eligible weight is ``S_i = f_i × E_i`` where the factors are found by water-filling:

1. Start with no class *held* at its cap.
2. The free classes (not held) share what the held ones leave, in proportion to their
   weight: ``S_i = (1 − Σ_held c_j) × T × E_i / Σ_free E_j``.
3. Every free capped class with ``S_i > c_i × T`` becomes held, with ``S_i = c_i × T``.
   Repeat from 2 until no free class exceeds its cap (at most one round per class: holding
   a class only raises the others' factor, so a class over its cap stays over it).

So the total is kept (``Σ S_i = T``), held classes weigh exactly their cap share, and all
free classes are scaled by one common factor. Classes with no eligible weight take no
part and keep factor 1.

If every class with weight ends up held, the caps of those classes sum to less than 1 and
no allocation can respect them all. Each such class then weighs ``c_i / Σ c_j`` of ``T``:
the caps are read as relative proportions. Every decision (quorum, threshold, winners)
depends only on ratios, so this is the same as giving each class exactly its cap and
leaving the rest of the weight to nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.tally.exact import to_fraction, units_to_fraction
from governance.tally.types import ClassWeight


@dataclass(frozen=True)
class ClassScaling:
    """Scale factors per class, in the order of the rules' classes."""

    class_ids: tuple[str, ...]
    eligible: tuple[Fraction, ...]
    factors: tuple[Fraction, ...]
    held: frozenset[str]

    @property
    def eligible_weight(self) -> Fraction:
        """Scaled eligible weight of all classes (equal to the unscaled total)."""
        return sum(
            (factor * weight for factor, weight in zip(self.factors, self.eligible, strict=True)),
            Fraction(0),
        )

    def scale_units(self, units_per_class: Sequence[int]) -> Fraction:
        """Scaled weight of per-class sums given in weight units."""
        return sum(
            (
                factor * units_to_fraction(units)
                for factor, units in zip(self.factors, units_per_class, strict=True)
            ),
            Fraction(0),
        )


def class_scaling(classes: Sequence[ClassWeight]) -> ClassScaling:
    """Compute the cap scale factors of ``classes`` (see the module docstring)."""
    eligible = tuple(to_fraction(item.eligible_weight) for item in classes)
    caps = tuple(None if item.cap is None else to_fraction(item.cap) for item in classes)
    total = sum(eligible, Fraction(0))
    weighted = [i for i, weight in enumerate(eligible) if weight > 0]
    held: set[int] = set()
    free_factor = Fraction(1)
    while True:
        free = [i for i in weighted if i not in held]
        if not free:
            break
        free_weight = sum((eligible[i] for i in free), Fraction(0))
        left = 1 - sum((_cap(caps, i) for i in held), Fraction(0))
        free_factor = left * total / free_weight
        over = {
            i
            for i in free
            if caps[i] is not None and free_factor * eligible[i] > _cap(caps, i) * total
        }
        if not over:
            break
        held |= over

    factors = [Fraction(1)] * len(classes)
    all_held = bool(held) and all(i in held for i in weighted)
    if all_held:
        cap_sum = sum((_cap(caps, i) for i in held), Fraction(0))
        for i in held:
            factors[i] = _cap(caps, i) / cap_sum * total / eligible[i]
    else:
        for i in weighted:
            factors[i] = _cap(caps, i) * total / eligible[i] if i in held else free_factor
    return ClassScaling(
        class_ids=tuple(item.class_id for item in classes),
        eligible=eligible,
        factors=tuple(factors),
        held=frozenset(classes[i].class_id for i in held),
    )


def _cap(caps: Sequence[Fraction | None], index: int) -> Fraction:
    cap = caps[index]
    return Fraction(1) if cap is None else cap
