"""The retry schedule, Retry-After parsing and the breaker's pauses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from federation.delivery import schedule
from federation.delivery.schedule import (
    BASE_DELAY,
    BREAKER_THRESHOLD,
    MAX_STEP,
    breaker_pause,
    gives_up,
    is_retryable_status,
    next_attempt,
    parse_retry_after,
    retry_step,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_retry_step__doubles_from_30_seconds_and_stops_at_6_hours() -> None:
    steps = [retry_step(n).total_seconds() for n in range(1, 13)]
    assert steps[:5] == [30, 60, 120, 240, 480]
    assert steps[9] == 30 * 2**9  # 4 h 16 min
    assert steps[10:] == [6 * 3600, 6 * 3600]
    assert retry_step(10_000) == MAX_STEP


def test_next_attempt__draws_between_the_floor_and_the_step() -> None:
    rng = random.Random(7)
    for failures in range(1, 15):
        for _ in range(50):
            wait = next_attempt(failures, NOW, rng=rng) - NOW
            assert BASE_DELAY <= wait <= retry_step(failures)
    low = next_attempt(8, NOW, rng=_Fixed(0.0)) - NOW
    high = next_attempt(8, NOW, rng=_Fixed(1.0)) - NOW
    assert (low, high) == (BASE_DELAY, retry_step(8))


class _Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_next_attempt__waits_for_a_longer_retry_after_capped_at_a_day() -> None:
    rng = _Fixed(0.0)
    assert next_attempt(1, NOW, retry_after=timedelta(hours=3), rng=rng) == NOW + timedelta(hours=3)
    assert next_attempt(1, NOW, retry_after=timedelta(seconds=1), rng=rng) == NOW + BASE_DELAY
    far = next_attempt(1, NOW, retry_after=timedelta(days=30), rng=rng)
    assert far == NOW + schedule.MAX_RETRY_AFTER


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Wed, 25 Nov 2026 13:00:00 GMT", timedelta(hours=1)),
        ("Wed, 25 Nov 2026 11:00:00 GMT", timedelta(0)),  # in the past: no wait
        ("Wednesday, 25-Nov-26 12:00:30 GMT", timedelta(seconds=30)),  # RFC 850 form
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after__reads_seconds_and_http_dates(
    value: str | None, expected: timedelta | None
) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_gives_up__only_once_three_days_have_passed() -> None:
    assert not gives_up(NOW, NOW + timedelta(days=3) - timedelta(seconds=1))
    assert gives_up(NOW, NOW + timedelta(days=3))


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (408, True),
        (429, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (410, False),
        (422, False),
        (301, False),
    ],
)
def test_is_retryable_status(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_breaker_pause__starts_at_the_threshold_and_doubles_up_to_6_hours() -> None:
    assert breaker_pause(BREAKER_THRESHOLD - 1) is None
    assert breaker_pause(BREAKER_THRESHOLD) == timedelta(minutes=1)
    assert breaker_pause(BREAKER_THRESHOLD + 1) == timedelta(minutes=2)
    assert breaker_pause(BREAKER_THRESHOLD + 3) == timedelta(minutes=8)
    assert breaker_pause(BREAKER_THRESHOLD + 100) == MAX_STEP
