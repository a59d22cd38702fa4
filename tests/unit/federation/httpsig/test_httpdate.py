"""HTTP dates (RFC 9110 section 5.6.7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from federation.httpsig import format_http_date, parse_http_date


def test_format__imf_fixdate_in_gmt() -> None:
    moment = datetime(1994, 11, 6, 9, 49, 37, tzinfo=timezone(timedelta(hours=1)))
    assert format_http_date(moment) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_format__naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        format_http_date(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "text",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_parse__the_three_forms_of_rfc9110(text: str) -> None:
    assert parse_http_date(text) == int(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    "text", ["", "yesterday", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"]
)
def test_parse__nonsense_is_none(text: str) -> None:
    assert parse_http_date(text) is None
