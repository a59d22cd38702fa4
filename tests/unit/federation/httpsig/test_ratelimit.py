"""The per-host key refresh limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.httpsig import RefetchLimiter

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def test_allow__once_per_host_per_interval() -> None:
    limiter = RefetchLimiter(timedelta(seconds=60))
    assert limiter.allow("a.example", T0)
    assert not limiter.allow("a.example", T0 + timedelta(seconds=59))
    assert not limiter.allow("A.EXAMPLE", T0 + timedelta(seconds=30))
    assert limiter.allow("b.example", T0 + timedelta(seconds=1))
    assert limiter.allow("a.example", T0 + timedelta(seconds=60))


def test_allow__refusal_does_not_extend_the_wait() -> None:
    limiter = RefetchLimiter(timedelta(seconds=60))
    assert limiter.allow("a.example", T0)
    assert not limiter.allow("a.example", T0 + timedelta(seconds=50))
    assert limiter.allow("a.example", T0 + timedelta(seconds=61))


def test_allow__memory_is_bounded_by_forgetting_the_oldest_host() -> None:
    limiter = RefetchLimiter(timedelta(seconds=60), max_hosts=2)
    for host in ("a", "b", "c"):
        assert limiter.allow(host, T0)
    assert limiter.allow("a", T0 + timedelta(seconds=1))  # forgotten, so allowed again
    assert not limiter.allow("c", T0 + timedelta(seconds=1))


def test_host_of__key_ids() -> None:
    assert RefetchLimiter.host_of("https://Coop.Example/actors/a#main-key") == "coop.example"
    assert RefetchLimiter.host_of("Test") == "test"


@pytest.mark.parametrize("kwargs", [{"interval": timedelta(0)}, {"max_hosts": 0}])
def test_init__nonsense_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RefetchLimiter(**kwargs)  # type: ignore[arg-type]
