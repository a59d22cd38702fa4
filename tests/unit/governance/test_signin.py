"""Password sign-in: one generic failure, throttling per address, no account enumeration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.context import AppContext
from governance import audit, signin
from governance.clock import ManualClock
from governance.member import Member, Status
from governance.signin import LOCK_TIME, MAX_FAILURES, Outcome, SignInResult, SignInThrottle
from tests.integration.api.conftest import PASSWORD, make_member

WRONG = "not the password"


async def attempt(
    ctx: AppContext, email: str, password: str = PASSWORD, *, ip: str | None = None
) -> SignInResult:
    async with ctx.session() as db:
        result = await signin.sign_in(
            db, email=email, password=password, hasher=ctx.hasher, now=ctx.clock.now(), ip=ip,
            base_delay=0.25,
        )
        await db.commit()
    return result


@pytest.fixture
async def bea(ctx: AppContext) -> Member:
    return await make_member(ctx, email="bea@example.org")


async def test_sign_in__right_password_is_ok(ctx: AppContext, bea: Member) -> None:
    result = await attempt(ctx, "bea@example.org", ip="192.0.2.7")
    assert result.outcome is Outcome.OK
    assert result.member is not None and result.member.id == bea.id
    async with ctx.session() as db:
        (event,) = await audit.page(db, limit=1)
    assert (event.action, event.actor_id, event.ip) == ("signin.ok", bea.id, "192.0.2.7")


async def test_sign_in__email_case_and_spaces_do_not_matter(ctx: AppContext, bea: Member) -> None:
    assert (await attempt(ctx, "  BEA@Example.org ")).outcome is Outcome.OK


async def test_sign_in__applicant_may_sign_in(ctx: AppContext) -> None:
    await make_member(ctx, email="app@example.org", status=Status.APPLICANT)
    assert (await attempt(ctx, "app@example.org")).outcome is Outcome.OK


async def test_sign_in__wrong_password_is_a_generic_failure(ctx: AppContext, bea: Member) -> None:
    result = await attempt(ctx, "bea@example.org", WRONG)
    assert result == SignInResult(Outcome.BAD_CREDENTIALS, delay_seconds=0.25)
    assert result.member is None


async def test_sign_in__each_failure_asks_for_a_longer_pause(
    ctx: AppContext, bea: Member
) -> None:
    delays = [(await attempt(ctx, "bea@example.org", WRONG)).delay_seconds for _ in range(4)]
    assert delays == [0.25, 0.5, 0.75, 1.0]


async def test_sign_in__unknown_email_fails_exactly_like_a_wrong_password(
    ctx: AppContext, bea: Member
) -> None:
    known = [await attempt(ctx, "bea@example.org", WRONG) for _ in range(MAX_FAILURES + 1)]
    unknown = [await attempt(ctx, "nobody@example.org", WRONG) for _ in range(MAX_FAILURES + 1)]
    assert known == unknown
    assert [r.outcome for r in unknown] == [Outcome.BAD_CREDENTIALS] * 4 + [Outcome.LOCKED] * 2


async def test_sign_in__invited_member_without_password_fails_generically(
    ctx: AppContext,
) -> None:
    await make_member(ctx, email="inv@example.org", status=Status.INVITED)
    for password in (PASSWORD, "", WRONG):
        assert (await attempt(ctx, "inv@example.org", password)).outcome is Outcome.BAD_CREDENTIALS


async def test_sign_in__five_failures_within_15_minutes_lock_the_address(
    ctx: AppContext, clock: ManualClock, bea: Member
) -> None:
    for _ in range(MAX_FAILURES - 1):
        assert (await attempt(ctx, "bea@example.org", WRONG)).outcome is Outcome.BAD_CREDENTIALS
        clock.advance(timedelta(minutes=3))
    # Four failures 0, 3, 6 and 9 minutes ago; the fifth, at 12 minutes, locks.
    locking = await attempt(ctx, "bea@example.org", WRONG)
    assert locking.outcome is Outcome.LOCKED
    assert locking.locked_until == clock.now() + LOCK_TIME
    # Even the right password is refused while locked, and says nothing more.
    clock.advance(timedelta(minutes=1))
    during = await attempt(ctx, "bea@example.org")
    assert during == SignInResult(Outcome.LOCKED, locked_until=locking.locked_until)


async def test_sign_in__failures_spread_over_more_than_15_minutes_do_not_lock(
    ctx: AppContext, clock: ManualClock, bea: Member
) -> None:
    for _ in range(MAX_FAILURES * 2):
        result = await attempt(ctx, "bea@example.org", WRONG)
        assert result.outcome is Outcome.BAD_CREDENTIALS
        clock.advance(timedelta(minutes=4))


async def test_sign_in__lock_lifts_after_15_minutes(
    ctx: AppContext, clock: ManualClock, bea: Member
) -> None:
    for _ in range(MAX_FAILURES):
        await attempt(ctx, "bea@example.org", WRONG)
    clock.advance(LOCK_TIME - timedelta(seconds=1))
    assert (await attempt(ctx, "bea@example.org")).outcome is Outcome.LOCKED
    clock.advance(timedelta(seconds=1))
    assert (await attempt(ctx, "bea@example.org")).outcome is Outcome.OK
    async with ctx.session() as db:
        assert await db.get(SignInThrottle, "bea@example.org") is None


async def test_sign_in__after_the_lock_the_count_starts_again(
    ctx: AppContext, clock: ManualClock, bea: Member
) -> None:
    for _ in range(MAX_FAILURES):
        await attempt(ctx, "bea@example.org", WRONG)
    clock.advance(LOCK_TIME)
    after = await attempt(ctx, "bea@example.org", WRONG)
    assert after == SignInResult(Outcome.BAD_CREDENTIALS, delay_seconds=0.25)


async def test_sign_in__unknown_email_is_locked_and_unlocked_the_same_way(
    ctx: AppContext, clock: ManualClock
) -> None:
    for _ in range(MAX_FAILURES):
        await attempt(ctx, "nobody@example.org", WRONG)
    assert (await attempt(ctx, "nobody@example.org", WRONG)).outcome is Outcome.LOCKED
    clock.advance(LOCK_TIME)
    assert (await attempt(ctx, "nobody@example.org", WRONG)).outcome is Outcome.BAD_CREDENTIALS


async def test_sign_in__success_clears_earlier_failures(
    ctx: AppContext, bea: Member
) -> None:
    for _ in range(MAX_FAILURES - 1):
        await attempt(ctx, "bea@example.org", WRONG)
    assert (await attempt(ctx, "bea@example.org")).outcome is Outcome.OK
    for _ in range(MAX_FAILURES - 1):
        assert (await attempt(ctx, "bea@example.org", WRONG)).outcome is Outcome.BAD_CREDENTIALS


async def test_sign_in__locks_per_address(ctx: AppContext, bea: Member) -> None:
    for _ in range(MAX_FAILURES):
        await attempt(ctx, "other@example.org", WRONG)
    assert (await attempt(ctx, "bea@example.org")).outcome is Outcome.OK


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.LEFT])
async def test_sign_in__inactive_member_learns_it_only_with_the_right_password(
    ctx: AppContext, status: Status
) -> None:
    gone = await make_member(ctx, email="gone@example.org", status=status)
    wrong = await attempt(ctx, "gone@example.org", WRONG)
    assert wrong == SignInResult(Outcome.BAD_CREDENTIALS, delay_seconds=0.25)
    right = await attempt(ctx, "gone@example.org")
    assert right.outcome is Outcome.INACTIVE
    assert right.member is not None and right.member.id == gone.id
    async with ctx.session() as db:
        (event,) = await audit.page(db, limit=1)
    assert event.action == "signin.inactive"


async def test_sign_in__failures_and_locks_are_audited(
    ctx: AppContext, bea: Member
) -> None:
    for _ in range(MAX_FAILURES + 1):
        await attempt(ctx, "bea@example.org", WRONG, ip="198.51.100.1")
    async with ctx.session() as db:
        events = await audit.page(db, limit=MAX_FAILURES + 1)
    assert [e.action for e in events] == ["signin.locked"] + ["signin.failed"] * MAX_FAILURES
    assert events[1].details == {"failures": MAX_FAILURES}
    assert {e.target for e in events} == {"bea@example.org"}
    assert {e.ip for e in events} == {"198.51.100.1"}
