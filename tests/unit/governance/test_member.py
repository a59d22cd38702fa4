"""Member accounts: input checks, look-ups, role and status changes, the last-admin rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.context import AppContext
from governance import audit
from governance import member as members
from governance.clock import ManualClock
from governance.errors import Conflict, Forbidden, InvalidInput, NotFound
from governance.member import Member, Role, Status
from tests.integration.api.conftest import make_member

# --- pure checks ---------------------------------------------------------------------------


def test_normalize_email__trims_and_lowercases() -> None:
    assert members.normalize_email("  Ada.Lovelace@Example.ORG ") == "ada.lovelace@example.org"


@pytest.mark.parametrize(
    "email",
    ["", "no-at-sign", "a@b", "a@b.c", "two@@example.org", "sp ace@example.org",
     "x" * 65 + "@example.org", "a@" + "b" * 250 + ".org"],
    ids=["empty", "no-at", "no-dot", "one-letter-tld", "double-at", "space", "long-local",
         "too-long"],
)
def test_normalize_email__refuses_what_is_not_an_address(email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        members.normalize_email(email)
    assert caught.value.code == "invalid_email"


def test_check_display_name__collapses_whitespace() -> None:
    assert members.check_display_name("  Ada \t  Lovelace\n") == "Ada Lovelace"


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_check_display_name__refuses_blank_or_long(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        members.check_display_name(name)
    assert caught.value.code == "invalid_name"


def test_check_display_name__accepts_120_characters() -> None:
    assert members.check_display_name("x" * 120) == "x" * 120


def test_check_language__accepts_en_and_fr_only() -> None:
    assert members.check_language("fr") == "fr"
    with pytest.raises(InvalidInput) as caught:
        members.check_language("de")
    assert "en, fr" in caught.value.message


def test_check_username__lowercases() -> None:
    assert members.check_username(" Bea_1 ") == "bea_1"


@pytest.mark.parametrize(
    "username", ["", "admin", "inbox", "with-dash", "with space", "é", "x" * 31]
)
def test_check_username__refuses_reserved_and_malformed(username: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        members.check_username(username)
    assert caught.value.code == "invalid_username"


def test_require_admin__only_an_admitted_admin_passes() -> None:
    admin = Member(role=Role.ADMIN, status=Status.MEMBER)
    assert members.require_admin(admin) is admin
    for who in (
        None,
        Member(role=Role.MEMBER, status=Status.MEMBER),
        Member(role=Role.ADMIN, status=Status.SUSPENDED),
        Member(role=Role.ADMIN, status=Status.APPLICANT),
    ):
        with pytest.raises(Forbidden):
            members.require_admin(who)


def test_can_sign_in__needs_a_password_and_an_active_status() -> None:
    def can(status: Status, password_hash: str | None = "h") -> bool:
        return Member(status=status, password_hash=password_hash).can_sign_in

    assert can(Status.MEMBER) and can(Status.APPLICANT)
    assert not can(Status.MEMBER, None)
    assert not any(can(s) for s in (Status.INVITED, Status.SUSPENDED, Status.LEFT))


# --- look-ups ------------------------------------------------------------------------------


async def test_suggest_username__from_the_email_and_free(ctx: AppContext) -> None:
    await make_member(ctx, email="bea@example.org", username="bea")
    await make_member(ctx, email="bea@other.org", username="bea2")
    async with ctx.session() as db:
        assert await members.suggest_username(db, "bea@third.org") == "bea3"
        assert await members.suggest_username(db, "Jean.Dupont@x.org") == "jean_dupont"
        assert await members.suggest_username(db, "...@x.org") == "member"
        assert await members.suggest_username(db, "admin@x.org") == "admin_1"
        assert await members.suggest_username(db, "x" * 40 + "@x.org") == "x" * 24


async def test_find__by_id_email_or_username(ctx: AppContext) -> None:
    bea = await make_member(ctx, email="bea@example.org", username="bea")
    async with ctx.session() as db:
        for ref in (str(bea.id), " BEA@example.org ", "Bea"):
            assert (await members.find(db, ref)).id == bea.id


async def test_find__unknown_reference_is_not_found(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound) as caught:
            await members.find(db, "ghost")
    assert "'ghost'" in caught.value.message


async def test_get__unknown_id_is_not_found(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound) as caught:
            await members.get(db, 404)
    assert caught.value.code == "not_found" and caught.value.params == {"id": 404}


async def test_list_all__filters_by_status_in_id_order(ctx: AppContext) -> None:
    a = await make_member(ctx)
    b = await make_member(ctx, status=Status.APPLICANT)
    c = await make_member(ctx)
    async with ctx.session() as db:
        assert [m.id for m in await members.list_all(db)] == [a.id, b.id, c.id]
        assert [m.id for m in await members.list_all(db, status=Status.MEMBER)] == [a.id, c.id]


async def test_by_email__ignores_case_and_spaces(ctx: AppContext) -> None:
    bea = await make_member(ctx, email="bea@example.org")
    async with ctx.session() as db:
        found = await members.by_email(db, "  Bea@Example.org")
        assert found is not None and found.id == bea.id
        assert await members.by_email(db, "nobody@example.org") is None


async def test_ensure_email_free__refuses_a_taken_address(ctx: AppContext) -> None:
    await make_member(ctx, email="bea@example.org", status=Status.INVITED)
    async with ctx.session() as db:
        with pytest.raises(Conflict) as caught:
            await members.ensure_email_free(db, "bea@example.org")
        await members.ensure_email_free(db, "cleo@example.org")
    assert caught.value.code == "duplicate_email"


async def test_count_admins__counts_only_admitted_admins(ctx: AppContext) -> None:
    await make_member(ctx, role=Role.ADMIN)
    await make_member(ctx, role=Role.ADMIN, status=Status.SUSPENDED)
    await make_member(ctx, role=Role.ADMIN, status=Status.APPLICANT)
    await make_member(ctx)
    async with ctx.session() as db:
        assert await members.count_admins(db) == 1


# --- roles ---------------------------------------------------------------------------------


async def test_set_role__promotes_and_records_it(ctx: AppContext) -> None:
    admin = await make_member(ctx, role=Role.ADMIN)
    bea = await make_member(ctx)
    async with ctx.session() as db:
        target = await members.get(db, bea.id)
        await members.set_role(db, target, Role.ADMIN, by=admin.id, now=ctx.clock.now())
        await db.commit()
        (event,) = await audit.page(db, limit=1)
    assert (await _reload(ctx, bea.id)).role is Role.ADMIN
    assert (event.action, event.actor_id, event.target) == (
        "member.set_role", admin.id, f"member:{bea.id}",
    )
    assert event.details == {"before": "member", "after": "admin"}


async def test_set_role__demoting_the_last_admin_is_refused(ctx: AppContext) -> None:
    admin = await make_member(ctx, role=Role.ADMIN)
    async with ctx.session() as db:
        target = await members.get(db, admin.id)
        with pytest.raises(Conflict) as caught:
            await members.set_role(db, target, Role.MEMBER, by=None, now=ctx.clock.now())
    assert caught.value.code == "last_admin"


async def test_set_role__demoting_one_of_two_admins_is_fine(ctx: AppContext) -> None:
    first = await make_member(ctx, role=Role.ADMIN)
    await make_member(ctx, role=Role.ADMIN)
    async with ctx.session() as db:
        target = await members.get(db, first.id)
        await members.set_role(db, target, Role.MEMBER, by=None, now=ctx.clock.now())
        assert await members.count_admins(db) == 1


async def test_set_role__demoting_a_suspended_admin_is_fine_while_one_admin_remains(
    ctx: AppContext,
) -> None:
    await make_member(ctx, role=Role.ADMIN)
    suspended = await make_member(ctx, role=Role.ADMIN, status=Status.SUSPENDED)
    async with ctx.session() as db:
        target = await members.get(db, suspended.id)
        await members.set_role(db, target, Role.MEMBER, by=None, now=ctx.clock.now())
        assert target.role is Role.MEMBER


# --- status --------------------------------------------------------------------------------

ALLOWED = {
    (Status.APPLICANT, Status.MEMBER),
    (Status.APPLICANT, Status.LEFT),
    (Status.MEMBER, Status.SUSPENDED),
    (Status.MEMBER, Status.LEFT),
    (Status.SUSPENDED, Status.MEMBER),
    (Status.SUSPENDED, Status.LEFT),
    (Status.INVITED, Status.LEFT),
}
CHANGES = [(a, b) for a in Status for b in Status if a is not b]


@pytest.mark.parametrize(("before", "after"), CHANGES, ids=lambda s: s.value)
async def test_set_status__follows_the_lifecycle(
    ctx: AppContext, before: Status, after: Status
) -> None:
    target = await make_member(ctx, status=before)
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        if (before, after) in ALLOWED:
            await members.set_status(db, stored, after, by=None, now=ctx.clock.now())
            assert stored.status is after
        else:
            with pytest.raises(Conflict) as caught:
                await members.set_status(db, stored, after, by=None, now=ctx.clock.now())
            assert caught.value.code == "bad_status_change"
            assert before.value in caught.value.message and after.value in caught.value.message


async def test_set_status__to_the_same_status_does_nothing(ctx: AppContext) -> None:
    target = await make_member(ctx)
    async with ctx.session() as db:
        before = await audit.count(db)
        stored = await members.get(db, target.id)
        await members.set_status(db, stored, Status.MEMBER, by=None, now=ctx.clock.now())
        assert await audit.count(db) == before


async def test_set_status__admission_time_is_kept_on_reinstatement(
    ctx: AppContext, clock: ManualClock
) -> None:
    target = await make_member(ctx, status=Status.APPLICANT)
    admitted_at = clock.now()
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        await members.set_status(db, stored, Status.MEMBER, by=None, now=clock.now())
        clock.advance(timedelta(days=3))
        await members.set_status(db, stored, Status.SUSPENDED, by=None, now=clock.now())
        clock.advance(timedelta(days=3))
        await members.set_status(db, stored, Status.MEMBER, by=None, now=clock.now())
        await db.commit()
    assert (await _reload(ctx, target.id)).admitted_at == admitted_at


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.LEFT])
async def test_set_status__the_last_admin_cannot_leave_or_be_suspended(
    ctx: AppContext, status: Status
) -> None:
    admin = await make_member(ctx, role=Role.ADMIN)
    async with ctx.session() as db:
        stored = await members.get(db, admin.id)
        with pytest.raises(Conflict) as caught:
            await members.set_status(db, stored, status, by=None, now=ctx.clock.now())
    assert caught.value.code == "last_admin"


async def test_set_status__one_of_two_admins_may_be_suspended(ctx: AppContext) -> None:
    first = await make_member(ctx, role=Role.ADMIN)
    await make_member(ctx, role=Role.ADMIN)
    async with ctx.session() as db:
        stored = await members.get(db, first.id)
        await members.set_status(db, stored, Status.SUSPENDED, by=None, now=ctx.clock.now())
        assert await members.count_admins(db) == 1


async def test_set_status__a_suspended_admin_may_leave_while_one_admin_remains(
    ctx: AppContext,
) -> None:
    await make_member(ctx, role=Role.ADMIN)
    suspended = await make_member(ctx, role=Role.ADMIN, status=Status.SUSPENDED)
    async with ctx.session() as db:
        stored = await members.get(db, suspended.id)
        await members.set_status(db, stored, Status.LEFT, by=None, now=ctx.clock.now())
        assert stored.status is Status.LEFT


# --- profile -------------------------------------------------------------------------------


async def test_update_profile__changes_only_what_is_given(ctx: AppContext) -> None:
    target = await make_member(ctx, display_name="Bea")
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        await members.update_profile(db, stored, language="fr")
        assert (stored.display_name, stored.language) == ("Bea", "fr")
        await members.update_profile(db, stored, display_name=" Béa  D. ")
        assert (stored.display_name, stored.language) == ("Béa D.", "fr")


async def test_update_profile__refuses_an_unknown_language(ctx: AppContext) -> None:
    target = await make_member(ctx)
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        with pytest.raises(InvalidInput):
            await members.update_profile(db, stored, language="xx")


async def _reload(ctx: AppContext, member_id: int) -> Member:
    async with ctx.session() as db:
        return await members.get(db, member_id)
