"""Password policy and Argon2id hashing."""

from __future__ import annotations

import pytest

from governance.errors import InvalidInput
from governance.password import (
    DEFAULT_PROFILE,
    FAST_TEST_PROFILE,
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordHasher,
    check_policy,
)


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(FAST_TEST_PROFILE)


@pytest.mark.parametrize("length", [MIN_LENGTH, MAX_LENGTH])
def test_check_policy__accepts_lengths_at_the_bounds(length: int) -> None:
    check_policy("p" * length)


@pytest.mark.parametrize(
    ("length", "code"),
    [(0, "password_too_short"), (MIN_LENGTH - 1, "password_too_short"),
     (MAX_LENGTH + 1, "password_too_long")],
)
def test_check_policy__refuses_too_short_or_too_long(length: int, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_policy("p" * length)
    assert caught.value.code == code
    assert str(MIN_LENGTH if code.endswith("short") else MAX_LENGTH) in caught.value.message


def test_check_policy__counts_characters_not_bytes() -> None:
    check_policy("é" * MIN_LENGTH)
    with pytest.raises(InvalidInput):
        check_policy("é" * (MIN_LENGTH - 1))


async def test_hash__is_argon2id_with_the_profile_costs(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "m=1024,t=1,p=1" in stored


def test_default_profile__follows_the_recommended_costs() -> None:
    assert (DEFAULT_PROFILE.time_cost, DEFAULT_PROFILE.memory_cost_kib,
            DEFAULT_PROFILE.parallelism) == (3, 65536, 4)


async def test_hash__salts_every_hash(hasher: PasswordHasher) -> None:
    assert await hasher.hash("correct horse battery") != await hasher.hash("correct horse battery")


async def test_hash__applies_the_policy(hasher: PasswordHasher) -> None:
    with pytest.raises(InvalidInput):
        await hasher.hash("short")


async def test_verify__right_and_wrong_passwords(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("correct horse battery")
    assert await hasher.verify(stored, "correct horse battery") is True
    assert await hasher.verify(stored, "correct horse batterY") is False
    assert await hasher.verify(stored, "") is False


async def test_verify__unicode_passwords(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("mot de passe très sûr ✓")
    assert await hasher.verify(stored, "mot de passe très sûr ✓")
    assert not await hasher.verify(stored, "mot de passe tres sur ✓")


async def test_verify__no_stored_hash_always_fails(hasher: PasswordHasher) -> None:
    # Even the dummy password used to burn the same time must not let anyone in.
    assert await hasher.verify(None, "coopfed-dummy-password") is False
    assert await hasher.verify(None, "anything at all") is False


async def test_verify__a_damaged_hash_fails_without_raising(hasher: PasswordHasher) -> None:
    assert await hasher.verify("not-a-hash", "correct horse battery") is False
    assert await hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$garbage", "x" * 12) is False


async def test_verify__a_hash_from_another_profile_still_verifies(hasher: PasswordHasher) -> None:
    other = PasswordHasher(FAST_TEST_PROFILE.__class__(time_cost=2, memory_cost_kib=2048,
                                                       parallelism=1))
    stored = await other.hash("correct horse battery")
    assert await hasher.verify(stored, "correct horse battery")


async def test_verify__huge_input_is_cut_before_hashing(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("p" * MAX_LENGTH)
    assert await hasher.verify(stored, "p" * MAX_LENGTH)
    assert not await hasher.verify(stored, "q" * 1_000_000)
