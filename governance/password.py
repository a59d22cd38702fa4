"""Password hashing with Argon2id, and the password policy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from governance.errors import InvalidInput
from governance.i18n import N_

MIN_LENGTH = 10
MAX_LENGTH = 1024


def check_policy(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("The password must have at least %(n)s characters."),
            code="password_too_short",
            n=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            N_("The password must have at most %(n)s characters."),
            code="password_too_long",
            n=MAX_LENGTH,
        )


@dataclass(frozen=True)
class HashProfile:
    """Argon2id cost parameters (RFC 9106). ``DEFAULT`` follows argon2-cffi's recommendation."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


DEFAULT_PROFILE = HashProfile()
# Only for test suites: still real Argon2id, but cheap enough to hash hundreds of times.
FAST_TEST_PROFILE = HashProfile(time_cost=1, memory_cost_kib=1024, parallelism=1)


class PasswordHasher:
    """Hashes and verifies passwords off the event loop."""

    def __init__(self, profile: HashProfile = DEFAULT_PROFILE) -> None:
        self._argon = _Argon2(
            time_cost=profile.time_cost,
            memory_cost=profile.memory_cost_kib,
            parallelism=profile.parallelism,
        )
        self._dummy_hash = self._argon.hash("coopfed-dummy-password")

    async def hash(self, password: str) -> str:
        check_policy(password)
        return await asyncio.to_thread(self._argon.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no stored hash, burns the same time and fails."""
        target = stored_hash or self._dummy_hash
        try:
            ok = await asyncio.to_thread(self._argon.verify, target, password[:MAX_LENGTH])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return ok and stored_hash is not None
