"""``best_language``: choosing English or French from an ``Accept-Language`` header."""

from __future__ import annotations

import pytest

from coopfed.i18n import best_language


@pytest.mark.parametrize("header", [None, "", "   ", ",", ";q=1"])
def test_best_language__no_usable_header_gives_the_default(header: str | None) -> None:
    assert best_language(header) == "en"
    assert best_language(header, default="fr") == "fr"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fr-CA", "fr"),
        ("fr-ch, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        (" fr ; q=0.4 , en ; q=0.3 ", "fr"),
    ],
)
def test_best_language__picks_the_supported_language_asked_for(header: str, expected: str) -> None:
    assert best_language(header, default="en" if expected == "fr" else "fr") == expected


def test_best_language__higher_quality_wins_over_order() -> None:
    assert best_language("en;q=0.2, fr;q=0.8") == "fr"
    assert best_language("fr;q=0.3, en", default="fr") == "en"


def test_best_language__equal_quality_keeps_the_header_order() -> None:
    assert best_language("fr, en") == "fr"
    assert best_language("en, fr", default="fr") == "en"
    assert best_language("fr;q=0.5, en;q=0.5") == "fr"


def test_best_language__skips_unsupported_languages() -> None:
    assert best_language("de, es;q=0.9, fr;q=0.1") == "fr"
    assert best_language("de, es", default="fr") == "fr"


def test_best_language__wildcard_gives_the_default() -> None:
    assert best_language("de, *;q=0.5") == "en"
    assert best_language("de, *;q=0.5", default="fr") == "fr"


def test_best_language__a_named_language_beats_a_weaker_wildcard() -> None:
    assert best_language("*;q=0.1, fr;q=0.9") == "fr"


@pytest.mark.parametrize("header", ["fr;q=0", "fr;q=0.0, de", "fr;q=nonsense"])
def test_best_language__quality_zero_or_garbled_means_not_acceptable(header: str) -> None:
    assert best_language(header) == "en"


def test_best_language__wildcard_does_not_bring_back_a_refused_language() -> None:
    # "anything but French": the default must not override the explicit q=0.
    assert best_language("fr;q=0, *", default="fr") == "en"
    assert best_language("en;q=0, *") == "fr"


def test_best_language__quality_parameter_name_is_case_insensitive() -> None:
    assert best_language("fr;Q=0.1, en;q=0.5", default="fr") == "en"


def test_best_language__other_parameters_are_ignored() -> None:
    assert best_language("fr;level=1;q=0.9, en;q=0.5") == "fr"


def test_best_language__very_long_header_is_handled() -> None:
    header = ", ".join(f"x{n};q=0.{n % 9 + 1}" for n in range(2000)) + ", fr;q=0.05"
    assert best_language(header) == "fr"
