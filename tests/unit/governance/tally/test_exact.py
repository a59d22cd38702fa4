from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from governance.tally import InvalidBallot
from governance.tally.exact import (
    MAX_WEIGHT_UNITS,
    sum_by_key,
    sum_by_key_and_column,
    to_decimal,
    weight_to_units,
)


@pytest.mark.parametrize(
    ("weight", "units"),
    [
        (Decimal(1), 1_000_000),
        (Decimal("1.5"), 1_500_000),
        (Decimal("0.000001"), 1),
        (Decimal("2.500000000"), 2_500_000),
        (Decimal("1E+3"), 1_000_000_000),
        (Decimal(0), 0),
    ],
)
def test_weight_to_units__counts_millionths(weight: Decimal, units: int) -> None:
    assert weight_to_units(weight) == units


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (Decimal("0.0000001"), "at most 6 decimals"),
        (Decimal(-1), "≥ 0"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (1.0, "must be a Decimal"),
        (1, "must be a Decimal"),
        (Decimal(MAX_WEIGHT_UNITS), "too large"),
    ],
)
def test_weight_to_units__refuses_what_cannot_be_summed_exactly(
    weight: object, message: str
) -> None:
    with pytest.raises(InvalidBallot, match=message):
        weight_to_units(weight)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(80), "80"),
        (Fraction(1, 4), "0.25"),
        (Fraction(1, 3), "0.333333333333"),
        (Fraction(2, 3), "0.666666666667"),
        (Fraction(0), "0"),
        (Fraction(5, 10**13), "0"),  # half to even: 0.0000000000005 → 0
        (Fraction(15, 10**13), "0.000000000002"),  # 0.0000000000015 → …2
        (Fraction(10**30 + 1, 10**6), "1000000000000000000000000.000001"),
    ],
)
def test_to_decimal__exact_or_rounded_half_even_to_12_places(value: Fraction, text: str) -> None:
    assert format(to_decimal(value), "f") == text


def test_sum_by_key__stays_exact_for_weights_beyond_float_precision() -> None:
    rng = np.random.default_rng(7)
    units = rng.integers(2**61, 2**62, size=5_000, dtype=np.int64)
    keys = rng.integers(0, 3, size=5_000).astype(np.intp)

    sums = sum_by_key(keys, units, 3)

    expected = [
        sum(int(u) for u, k in zip(units, keys, strict=True) if k == key) for key in range(3)
    ]
    assert sums == expected


def test_sum_by_key_and_column__stays_exact_for_large_weights_and_scores() -> None:
    rng = np.random.default_rng(8)
    units = rng.integers(2**50, 2**62, size=2_000, dtype=np.int64)
    keys = rng.integers(0, 2, size=2_000).astype(np.intp)
    matrix = rng.integers(0, 6, size=(2_000, 4)).astype(np.int8)

    sums = sum_by_key_and_column(keys, units, matrix, 2, 5)

    for column in range(4):
        for key in range(2):
            expected = sum(
                int(units[i]) * int(matrix[i, column]) for i in range(2_000) if keys[i] == key
            )
            assert sums[column][key] == expected


def test_sum_by_key__no_ballots_gives_zeros() -> None:
    empty = np.zeros(0, dtype=np.int64)

    assert sum_by_key(empty.astype(np.intp), empty, 2) == [0, 0]
