"""HTTP dates (RFC 9110 section 5.6.7): format for `Date`, parse what peers send."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

__all__ = ["format_http_date", "parse_http_date"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)


def format_http_date(moment: datetime) -> str:
    """Return `moment` as an IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.

    `moment` must be timezone-aware; it is converted to UTC.
    """
    if moment.tzinfo is None:
        raise ValueError("format_http_date needs an aware datetime")
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(text: str) -> int | None:
    """Return the Unix time of an HTTP date, or None if `text` is not one.

    IMF-fixdate is parsed on a fast path, since every signed request carries one; the
    obsolete RFC 850 and asctime forms go through the standard library.
    """
    text = text.strip()
    # IMF-fixdate has fixed positions ("Sun, 06 Nov 1994 08:49:37 GMT"): slicing beats
    # a regular expression on this path, which every signed request takes.
    if len(text) == 29 and _IMF_FIXDATE.fullmatch(text) is not None:
        month = _MONTHS.get(text[8:11])
        if month is None:
            return None
        try:
            # datetime() also rejects impossible dates (31 Feb) that timegm would roll over.
            moment = datetime(
                int(text[12:16]),
                month,
                int(text[5:7]),
                int(text[17:19]),
                int(text[20:22]),
                int(text[23:25]),
                tzinfo=UTC,
            )
        except ValueError:
            return None
        return int(moment.timestamp())
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
