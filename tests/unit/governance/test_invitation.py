"""Invitations: one-time, expiring links; accepting one makes an applicant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopfed.context import AppContext
from governance import audit, invitation, membership_class, token
from governance import member as members
from governance.clock import ManualClock
from governance.errors import Conflict, InvalidInput, NotFound
from governance.invitation import IssuedInvitation
from governance.member import Member, Status
from governance.membership_class import ClassFields
from tests.integration.api.conftest import PASSWORD, make_member

NEW_PASSWORD = "another long password"


async def invite(ctx: AppContext, email: str = "bea@example.org", **kwargs: object) -> IssuedInvitation:
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email=email, display_name=str(kwargs.pop("display_name", "Béa")),
            class_id=kwargs.pop("class_id", None),  # type: ignore[arg-type]
            by=None, now=ctx.clock.now(), **kwargs,  # type: ignore[arg-type]
        )
        await db.commit()
    return issued


async def accept(ctx: AppContext, secret: str, username: str = "bea", **kwargs: str) -> Member:
    async with ctx.session() as db:
        member = await invitation.accept(
            db, secret, password=kwargs.get("password", PASSWORD),
            display_name=kwargs.get("display_name", "Béa"), username=username,
            language=kwargs.get("language", "en"), hasher=ctx.hasher, now=ctx.clock.now(),
        )
        await db.commit()
    return member


async def test_invite__creates_an_invited_member_and_a_week_long_link(ctx: AppContext) -> None:
    async with ctx.session() as db:
        worker = await membership_class.create(
            db, ClassFields.parse(slug="worker", name="W", vote_weight="1", weight_cap=None),
            by=None, now=ctx.clock.now(),
        )
        await db.commit()
    issued = await invite(ctx, " Bea.D@Example.org ", class_id=worker.id, language="fr")
    member = issued.member
    assert (member.email, member.username, member.status, member.class_id, member.language) == (
        "bea.d@example.org", "bea_d", Status.INVITED, worker.id, "fr",
    )
    assert member.password_hash is None
    assert issued.invitation.expires_at == ctx.clock.now() + timedelta(days=7)
    # Only a digest is stored: the database does not hand out working links.
    assert issued.invitation.token_digest == token.digest(issued.secret)
    assert issued.secret not in issued.invitation.token_digest


async def test_invite__records_the_invitation_in_the_audit_log(ctx: AppContext) -> None:
    issued = await invite(ctx)
    async with ctx.session() as db:
        (event,) = await audit.page(db, limit=1)
    assert (event.action, event.target) == ("member.invite", f"member:{issued.member.id}")
    assert event.details["email"] == "bea@example.org"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"email": "nobody"}, "invalid_email"),
        ({"display_name": "  "}, "invalid_name"),
        ({"language": "de"}, "invalid_language"),
    ],
    ids=["email", "name", "language"],
)
async def test_invite__invalid_input_is_refused(
    ctx: AppContext, kwargs: dict[str, str], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await invite(ctx, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code


async def test_invite__unknown_class_is_refused_before_anyone_is_created(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound):
            await invitation.invite(
                db, email="bea@example.org", display_name="B", class_id=9, by=None,
                now=ctx.clock.now(),
            )
        assert await members.list_all(db) == []


@pytest.mark.parametrize("status", [Status.APPLICANT, Status.MEMBER, Status.SUSPENDED, Status.LEFT])
async def test_invite__duplicate_email_is_refused(ctx: AppContext, status: Status) -> None:
    await make_member(ctx, email="bea@example.org", status=status)
    with pytest.raises(Conflict) as caught:
        await invite(ctx, "BEA@example.org")
    assert caught.value.code == "duplicate_email"


async def test_invite__again_replaces_the_old_link(ctx: AppContext, clock: ManualClock) -> None:
    first = await invite(ctx, display_name="Bea")
    clock.advance(timedelta(hours=1))
    second = await invite(ctx, display_name="Béa B.")
    assert second.member.id == first.member.id
    assert second.member.display_name == "Béa B."
    async with ctx.session() as db:
        with pytest.raises(Conflict) as caught:
            await invitation.lookup(db, first.secret, now=clock.now())
        assert caught.value.code == "invitation_expired"
        await invitation.lookup(db, second.secret, now=clock.now())
        assert len(await members.list_all(db)) == 1


async def test_invite__again_after_the_link_expired_issues_a_new_one(
    ctx: AppContext, clock: ManualClock
) -> None:
    await invite(ctx)
    clock.advance(timedelta(days=8))
    fresh = await invite(ctx)
    member = await accept(ctx, fresh.secret)
    assert member.status is Status.APPLICANT


async def test_accept__sets_the_password_and_makes_an_applicant(ctx: AppContext) -> None:
    issued = await invite(ctx)
    member = await accept(ctx, issued.secret, username="Bea_D", display_name=" Béa  D ",
                          language="fr")
    assert (member.username, member.display_name, member.language, member.status) == (
        "bea_d", "Béa D", "fr", Status.APPLICANT,
    )
    assert member.password_changed_at == ctx.clock.now()
    assert await ctx.hasher.verify(member.password_hash, PASSWORD)
    async with ctx.session() as db:
        (event,) = await audit.page(db, limit=1)
        stored = await db.scalar(select(invitation.Invitation))
    assert (event.action, event.actor_id) == ("invitation.accept", member.id)
    assert stored is not None and stored.used_at == ctx.clock.now()


async def test_accept__may_keep_the_suggested_username(ctx: AppContext) -> None:
    issued = await invite(ctx)
    member = await accept(ctx, issued.secret, username=issued.member.username)
    assert member.username == "bea"


async def test_accept__just_before_expiry_works(ctx: AppContext, clock: ManualClock) -> None:
    issued = await invite(ctx)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert (await accept(ctx, issued.secret)).status is Status.APPLICANT


async def test_accept__expired_link_is_refused(ctx: AppContext, clock: ManualClock) -> None:
    issued = await invite(ctx)
    clock.advance(timedelta(days=7))
    with pytest.raises(Conflict) as caught:
        await accept(ctx, issued.secret)
    assert caught.value.code == "invitation_expired"
    async with ctx.session() as db:
        assert (await members.get(db, issued.member.id)).status is Status.INVITED


async def test_accept__used_link_is_refused_the_second_time(ctx: AppContext) -> None:
    issued = await invite(ctx)
    await accept(ctx, issued.secret)
    with pytest.raises(Conflict) as caught:
        await accept(ctx, issued.secret, password=NEW_PASSWORD)
    assert caught.value.code == "invitation_used"
    async with ctx.session() as db:
        stored = await members.get(db, issued.member.id)
    assert await ctx.hasher.verify(stored.password_hash, PASSWORD)


async def test_accept__unknown_link_is_not_found(ctx: AppContext) -> None:
    await invite(ctx)
    with pytest.raises(NotFound) as caught:
        await accept(ctx, "not-a-secret")
    assert caught.value.code == "invitation_invalid"


async def test_accept__taken_username_is_refused(ctx: AppContext) -> None:
    await make_member(ctx, username="bea")
    issued = await invite(ctx, "bea.other@example.org")
    with pytest.raises(Conflict) as caught:
        await accept(ctx, issued.secret, username="BEA")
    assert caught.value.code == "username_taken"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"username": "admin"}, "invalid_username"),
        ({"password": "short"}, "password_too_short"),
        ({"display_name": ""}, "invalid_name"),
        ({"language": "xx"}, "invalid_language"),
    ],
    ids=["reserved-username", "short-password", "blank-name", "language"],
)
async def test_accept__invalid_input_leaves_the_link_usable(
    ctx: AppContext, kwargs: dict[str, str], code: str
) -> None:
    issued = await invite(ctx)
    with pytest.raises(InvalidInput) as caught:
        await accept(ctx, issued.secret, **kwargs)
    assert caught.value.code == code
    assert (await accept(ctx, issued.secret)).status is Status.APPLICANT
