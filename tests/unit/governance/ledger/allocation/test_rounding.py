"""The largest remainder method on whole minor units, and the cash rounding."""

from __future__ import annotations

from fractions import Fraction

import pytest

from governance.ledger.allocation.rounding import ceil_share, largest_remainder, split_quotas


def test_largest_remainder__exact_quotas_are_kept() -> None:
    assert largest_remainder(100, [1, 3], [1, 2]) == [25, 75]


def test_largest_remainder__left_over_units_go_to_the_largest_remainders() -> None:
    # Quotas 10 × (5, 3, 2) / 10 ... with 7 units: 3.5, 2.1, 1.4 → floors 3, 2, 1, one unit
    # left, remainders .5 .1 .4: the first part gets it.
    assert largest_remainder(7, [5, 3, 2], [1, 2, 3]) == [4, 2, 1]


def test_largest_remainder__ties_go_to_the_smaller_key_whatever_the_order() -> None:
    # 10 units in three equal parts: 3.33… each; the one left over goes to key 1.
    assert largest_remainder(10, [1, 1, 1], [3, 1, 2]) == [3, 4, 3]
    assert largest_remainder(10, [1, 1, 1], [1, 2, 3]) == [4, 3, 3]


def test_largest_remainder__the_alabama_example_of_hamilton_apportionment() -> None:
    # Three parts weighing 6, 6 and 2 share 10 units (quotas 4.29, 4.29, 1.43) …
    assert largest_remainder(10, [6, 6, 2], [1, 2, 3]) == [4, 4, 2]
    # … and 11 units (quotas 4.71, 4.71, 1.57): the small part loses a unit although the
    # total grew — the known "Alabama paradox"; sums stay exact, which is what matters here.
    assert largest_remainder(11, [6, 6, 2], [1, 2, 3]) == [5, 5, 1]


def test_largest_remainder__zero_weights_get_nothing() -> None:
    assert largest_remainder(5, [0, 2, 0, 3], [1, 2, 3, 4]) == [0, 2, 0, 3]


def test_largest_remainder__nothing_to_split_gives_zeros() -> None:
    assert largest_remainder(0, [1, 2], [1, 2]) == [0, 0]


@pytest.mark.parametrize(
    ("total", "weights", "keys"), [(-1, [1], [1]), (5, [0, 0], [1, 2]), (5, [1, 2], [1])]
)
def test_largest_remainder__refuses_what_cannot_be_split(
    total: int, weights: list[int], keys: list[int]
) -> None:
    with pytest.raises(ValueError, match="largest_remainder needs"):
        largest_remainder(total, weights, keys)


def test_split_quotas__rounds_while_keeping_the_whole_ties_to_the_earlier() -> None:
    thirds = [Fraction(10, 3)] * 3

    assert split_quotas(thirds) == [4, 3, 3]
    assert split_quotas([Fraction(3, 2), Fraction(5, 2)]) == [2, 2]


def test_split_quotas__refuses_a_fractional_whole_or_a_negative_quota() -> None:
    with pytest.raises(ValueError):
        split_quotas([Fraction(1, 2)])
    with pytest.raises(ValueError):
        split_quotas([Fraction(-1), Fraction(2)])


@pytest.mark.parametrize(
    ("share", "amount", "cash"),
    [(Fraction(1, 5), 3001, 601), (Fraction(1, 5), 3000, 600), (Fraction(1, 5), 1, 1),
     (Fraction(0), 999, 0), (Fraction(1), 999, 999), (Fraction(1, 3), 0, 0)],
)
def test_ceil_share__cash_never_falls_below_its_share(
    share: Fraction, amount: int, cash: int
) -> None:
    assert ceil_share(share, amount) == cash
