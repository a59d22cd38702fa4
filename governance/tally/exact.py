"""Exact arithmetic for tallies: weight units, exact sums over numpy columns, and the
conversion of exact rationals to reported Decimals.

Weights enter as ``Decimal`` with at most :data:`WEIGHT_PLACES` decimals and are carried as
integers counting 10⁻⁶ of a weight unit ("micro-units"). Sums over columns are computed with
``numpy.bincount`` in float64, which is exact here: every addend and every partial sum is an
integer below 2⁵³. Should a weight be too large for that bound, it is split into limbs of
fewer bits, each limb summed exactly, and the limbs recombined as Python integers.
Decisions use :class:`fractions.Fraction`; only reported figures become Decimals.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from governance.tally.errors import InvalidBallot

WEIGHT_PLACES = 6
WEIGHT_UNIT = 10**WEIGHT_PLACES
RESULT_PLACES = 12
# Weights are int64 in columns; keep headroom so that no product or shift can overflow.
MAX_WEIGHT_UNITS = 2**62
_FLOAT_EXACT_BITS = 53


def weight_to_units(weight: Decimal) -> int:
    """Return ``weight × 10⁶`` as an int; refuse floats, negatives and over six decimals."""
    if not isinstance(weight, Decimal):
        raise InvalidBallot(f"A ballot weight must be a Decimal, not {type(weight).__name__}.")
    if not weight.is_finite() or weight < 0:
        raise InvalidBallot(f"A ballot weight must be finite and ≥ 0, not {weight}.")
    scaled = Fraction(weight) * WEIGHT_UNIT
    if scaled.denominator != 1:
        raise InvalidBallot(f"A ballot weight has at most {WEIGHT_PLACES} decimals, not {weight}.")
    units = int(scaled.numerator)
    if units > MAX_WEIGHT_UNITS:
        raise InvalidBallot(f"The ballot weight {weight} is too large.")
    return units


def to_fraction(value: Decimal | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def units_to_fraction(units: int) -> Fraction:
    return Fraction(units, WEIGHT_UNIT)


def to_decimal(value: Fraction) -> Decimal:
    """Convert an exact rational to the Decimal reported in results.

    Exact when the value has at most :data:`RESULT_PLACES` decimals; otherwise rounded to
    that many decimals, half to even. Trailing zeros are dropped (``80``, ``0.25``,
    ``0.333333333333``).
    """
    scaled = value * 10**RESULT_PLACES
    quotient, rest = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * rest
    if twice > scaled.denominator or (twice == scaled.denominator and quotient % 2 == 1):
        quotient += 1
    sign = 1 if quotient < 0 else 0
    magnitude = abs(quotient)
    exponent = -RESULT_PLACES
    while exponent < 0 and magnitude % 10 == 0:
        magnitude //= 10
        exponent += 1
    digits = tuple(int(char) for char in str(magnitude))
    return Decimal((sign, digits, exponent))


def _limbs(
    units: NDArray[np.int64], largest_factor: int
) -> Iterator[tuple[int, NDArray[np.float64]]]:
    """Yield ``(shift, limb)`` with ``units == Σ limb << shift`` and every sum of at most
    ``len(units)`` limb values times ``largest_factor`` exact in float64."""
    count = len(units)
    if count == 0:
        return
    room = _FLOAT_EXACT_BITS - (count * max(largest_factor, 1)).bit_length()
    if room <= 0:
        raise InvalidBallot("Too many ballots to sum exactly.")
    width = int(units.max()).bit_length()
    if width <= room:
        yield 0, units.astype(np.float64)
        return
    mask = (1 << room) - 1
    for shift in range(0, width, room):
        yield shift, ((units >> shift) & mask).astype(np.float64)


def sum_by_key(keys: NDArray[np.intp], units: NDArray[np.int64], length: int) -> list[int]:
    """Exact ``Σ units[i]`` for each key in ``range(length)``."""
    totals = [0] * length
    for shift, limb in _limbs(units, 1):
        sums = np.bincount(keys, weights=limb, minlength=length)
        for key in range(length):
            totals[key] += int(sums[key]) << shift
    return totals


def sum_by_key_and_column(
    keys: NDArray[np.intp],
    units: NDArray[np.int64],
    matrix: NDArray[np.bool_] | NDArray[np.integer],
    length: int,
    largest_value: int,
) -> list[list[int]]:
    """Exact ``Σ units[i] × matrix[i, j]`` for each column ``j`` and key in ``range(length)``,
    as ``result[j][key]``. ``matrix`` holds integers in ``0..largest_value``."""
    columns = np.ascontiguousarray(matrix.T)
    totals = [[0] * length for _ in range(columns.shape[0])]
    for shift, limb in _limbs(units, largest_value):
        for column, row in zip(columns, totals, strict=True):
            sums = np.bincount(keys, weights=limb * column, minlength=length)
            for key in range(length):
                row[key] += int(sums[key]) << shift
    return totals
