"""Admin-issued password-reset links: one-time, a day long, the newest one only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.context import AppContext
from governance import audit, password_reset, token
from governance import member as members
from governance.clock import ManualClock
from governance.errors import Conflict, InvalidInput, NotFound
from governance.member import Member, Status
from governance.password_reset import IssuedReset
from tests.integration.api.conftest import PASSWORD, make_member

NEW_PASSWORD = "a brand new passphrase"


async def issue(ctx: AppContext, target: Member, *, by: int | None = None) -> IssuedReset:
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        issued = await password_reset.issue(db, stored, by=by, now=ctx.clock.now())
        await db.commit()
    return issued


async def complete(ctx: AppContext, secret: str, password: str = NEW_PASSWORD) -> Member:
    async with ctx.session() as db:
        member = await password_reset.complete(
            db, secret, password=password, hasher=ctx.hasher, now=ctx.clock.now()
        )
        await db.commit()
    return member


async def stored_hash(ctx: AppContext, member_id: int) -> str | None:
    async with ctx.session() as db:
        return (await members.get(db, member_id)).password_hash


async def test_issue__gives_a_one_day_link_stored_as_a_digest(ctx: AppContext) -> None:
    admin = await make_member(ctx, role="admin")
    target = await make_member(ctx)
    issued = await issue(ctx, target, by=admin.id)
    assert issued.reset.expires_at == ctx.clock.now() + timedelta(hours=24)
    assert issued.reset.token_digest == token.digest(issued.secret)
    async with ctx.session() as db:
        (event,) = await audit.page(db, limit=1)
    assert (event.action, event.actor_id, event.target) == (
        "member.password_reset_link", admin.id, f"member:{target.id}",
    )


async def test_complete__sets_the_new_password(ctx: AppContext, clock: ManualClock) -> None:
    target = await make_member(ctx)
    issued = await issue(ctx, target)
    clock.advance(timedelta(hours=1))
    member = await complete(ctx, issued.secret)
    assert member.password_changed_at == clock.now()
    new_hash = await stored_hash(ctx, target.id)
    assert await ctx.hasher.verify(new_hash, NEW_PASSWORD)
    assert not await ctx.hasher.verify(new_hash, PASSWORD)


@pytest.mark.parametrize("status", [Status.APPLICANT, Status.SUSPENDED])
async def test_issue__works_for_applicants_and_suspended_members(
    ctx: AppContext, status: Status
) -> None:
    target = await make_member(ctx, status=status)
    await complete(ctx, (await issue(ctx, target)).secret)


@pytest.mark.parametrize("status", [Status.INVITED, Status.LEFT])
async def test_issue__refused_for_members_without_a_password_to_reset(
    ctx: AppContext, status: Status
) -> None:
    target = await make_member(ctx, status=status)
    with pytest.raises(Conflict) as caught:
        await issue(ctx, target)
    assert caught.value.code == "bad_status"
    assert status.value in caught.value.message


async def test_complete__used_link_is_refused_the_second_time(ctx: AppContext) -> None:
    target = await make_member(ctx)
    issued = await issue(ctx, target)
    await complete(ctx, issued.secret)
    with pytest.raises(Conflict) as caught:
        await complete(ctx, issued.secret, password="yet another passphrase")
    assert caught.value.code == "reset_used"
    assert await ctx.hasher.verify(await stored_hash(ctx, target.id), NEW_PASSWORD)


async def test_complete__expired_link_is_refused(ctx: AppContext, clock: ManualClock) -> None:
    target = await make_member(ctx)
    issued = await issue(ctx, target)
    clock.advance(timedelta(hours=24))
    with pytest.raises(Conflict) as caught:
        await complete(ctx, issued.secret)
    assert caught.value.code == "reset_expired"
    assert await ctx.hasher.verify(await stored_hash(ctx, target.id), PASSWORD)


async def test_issue__again_makes_the_earlier_link_stop_working(
    ctx: AppContext, clock: ManualClock
) -> None:
    target = await make_member(ctx)
    first = await issue(ctx, target)
    clock.advance(timedelta(minutes=5))
    second = await issue(ctx, target)
    with pytest.raises(Conflict) as caught:
        await complete(ctx, first.secret)
    assert caught.value.code == "reset_expired"
    await complete(ctx, second.secret)


async def test_issue__for_one_member_leaves_anothers_link_alone(ctx: AppContext) -> None:
    bea, cleo = await make_member(ctx), await make_member(ctx)
    beas = await issue(ctx, bea)
    await issue(ctx, cleo)
    assert (await complete(ctx, beas.secret)).id == bea.id


async def test_complete__unknown_link_is_not_found(ctx: AppContext) -> None:
    with pytest.raises(NotFound) as caught:
        await complete(ctx, "nope")
    assert caught.value.code == "reset_invalid"


async def test_complete__weak_password_is_refused_and_the_link_still_works(
    ctx: AppContext,
) -> None:
    target = await make_member(ctx)
    issued = await issue(ctx, target)
    with pytest.raises(InvalidInput) as caught:
        await complete(ctx, issued.secret, password="short")
    assert caught.value.code == "password_too_short"
    await complete(ctx, issued.secret)
