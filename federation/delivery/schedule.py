"""When to try a delivery again, and when to give up; when to pause a failing host.

Retries (a connection error, a timeout, a 5xx, 408 or 429):

- after the n-th failed attempt the step is ``min(6 h, 30 s × 2^(n-1))``: 30 s, 1 min, 2 min,
  4 min … 4 h 16 min, then 6 h for every later attempt;
- the wait is drawn uniformly between 30 s and the step ("full jitter" above a 30 s floor),
  so that deliveries that failed together do not all come back together;
- a ``Retry-After`` (seconds or an HTTP date, RFC 9110 §10.2.3) longer than that wait is
  honoured, up to one day;
- a delivery is retried until it is three days old: a failure at or after
  ``created_at + 3 days`` is final. Retrying therefore lasts at least three days.

The circuit breaker: after ``BREAKER_THRESHOLD`` failures in a row from one host, the host is
paused for ``min(6 h, 1 min × 2^(k))`` where k counts the failures beyond the threshold; its
deliveries wait (they keep their attempts) until one probe delivery, after the pause, decides
whether the host is back (success resets the breaker) or stays paused, twice as long.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from federation.httpsig.httpdate import parse_http_date

__all__ = [
    "BASE_DELAY",
    "BREAKER_THRESHOLD",
    "MAX_RETRY_AFTER",
    "MAX_STEP",
    "RETRY_WINDOW",
    "breaker_pause",
    "gives_up",
    "is_retryable_status",
    "next_attempt",
    "parse_retry_after",
    "retry_step",
]

BASE_DELAY: Final = timedelta(seconds=30)
MAX_STEP: Final = timedelta(hours=6)
RETRY_WINDOW: Final = timedelta(days=3)
MAX_RETRY_AFTER: Final = timedelta(days=1)
BREAKER_THRESHOLD: Final = 5
BREAKER_BASE: Final = timedelta(minutes=1)

# 4xx answers that mean "try again later" rather than "never".
_RETRYABLE_4XX: Final = frozenset({408, 429})


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP answer (not 2xx) is worth retrying: 5xx, 408, 429; other codes (3xx
    left after redirects, 4xx) are final."""
    return status >= 500 or status in _RETRYABLE_4XX


def retry_step(failures: int) -> timedelta:
    """The upper bound of the wait after ``failures`` failed attempts (1 or more)."""
    exponent = max(0, failures - 1)
    if exponent >= 20:  # far past the cap; avoid huge integers
        return MAX_STEP
    step: timedelta = min(MAX_STEP, BASE_DELAY * (2**exponent))
    return step


def next_attempt(
    failures: int,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """When to try again after ``failures`` failed attempts, failing at ``now``."""
    step = retry_step(failures)
    draw = (rng or random).random()
    wait = BASE_DELAY + (step - BASE_DELAY) * draw
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return now + wait


def gives_up(created_at: datetime, now: datetime) -> bool:
    """Whether a failure at ``now`` is final for a delivery created at ``created_at``."""
    return now - created_at >= RETRY_WINDOW


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header as a duration from ``now``; None when absent or unreadable.
    A date in the past is a zero wait."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=min(int(text), int(MAX_RETRY_AFTER.total_seconds())))
    when = parse_http_date(text)
    if when is None:
        return None
    return max(timedelta(0), timedelta(seconds=when - now.timestamp()))


def breaker_pause(consecutive_failures: int) -> timedelta | None:
    """How long to pause a host after ``consecutive_failures`` failures in a row; None below
    the threshold."""
    if consecutive_failures < BREAKER_THRESHOLD:
        return None
    beyond = consecutive_failures - BREAKER_THRESHOLD
    if beyond >= 20:
        return MAX_STEP
    pause: timedelta = min(MAX_STEP, BREAKER_BASE * (2**beyond))
    return pause
