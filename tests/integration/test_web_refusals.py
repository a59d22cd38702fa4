"""Every bad input on the web pages gets a clear error and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select

from coopfed.context import AppContext
from governance import audit, invitation
from governance import member as members
from governance.audit import AuditEvent
from governance.clock import ManualClock
from governance.member import Member
from tests.helpers import csrf_of, post_form, set_up_instance, setup_link, sign_in, sign_out
from tests.integration.web_support import add_member


async def _count(ctx: AppContext, model: type) -> int:
    async with ctx.session() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_sign_in__wrong_password_gives_one_generic_message(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)
    wrong = await sign_in(client, "ada@example.org", "not the password")
    unknown = await sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is wrong." in wrong.text
    assert "The email or password is wrong." in unknown.text
    assert "coopfed_session" not in wrong.headers.get("set-cookie", "")


async def test_sign_in__locks_after_five_failures_then_unlocks(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)
    for _ in range(4):
        assert (await sign_in(client, "ada@example.org", "nope nope nope")).status_code == 401
    locked = await sign_in(client, "ada@example.org", "nope nope nope")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    # Even the right password is refused while locked.
    assert (await sign_in(client, "ada@example.org", "correct horse battery")).status_code == 429
    clock.advance(timedelta(minutes=16))
    assert (await sign_in(client, "ada@example.org", "correct horse battery")).status_code == 303


async def test_sign_in__unknown_address_is_throttled_like_a_real_one(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)
    statuses = [
        (await sign_in(client, "ghost@example.org", "whatever pw")).status_code for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]


async def test_sign_in__suspended_member_is_told_the_account_is_inactive(
    client: AsyncClient, ctx: AppContext
) -> None:
    from governance.member import Status

    await set_up_instance(client, ctx)
    await sign_out(client)
    await add_member(ctx, "sus@example.org", status=Status.SUSPENDED)
    wrong = await sign_in(client, "sus@example.org", "wrong password!")
    assert wrong.status_code == 401  # no hint without the right password
    right = await sign_in(client, "sus@example.org", "member password 1")
    assert right.status_code == 403
    assert "not active" in right.text


async def test_form__missing_csrf_token_is_refused_with_403(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    before = await _count(ctx, Member)
    response = await client.post(
        "/admin/invitations", data={"email": "x@example.org", "display_name": "X"}
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert await _count(ctx, Member) == before


async def test_form__wrong_csrf_token_is_refused(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    response = await client.post(
        "/admin/invitations",
        data={"email": "x@example.org", "display_name": "X", "csrf_token": "forged"},
    )
    assert response.status_code == 403


async def test_form__cross_site_origin_is_refused(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    page = await client.get("/admin/invitations")
    response = await client.post(
        "/admin/invitations",
        data={"email": "x@example.org", "display_name": "X", "csrf_token": csrf_of(page.text)},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_form__oversized_body_is_refused_with_413(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    before = await _count(ctx, Member)
    page = await client.get("/admin/invitations")
    response = await client.post(
        "/admin/invitations",
        data={"email": "x@example.org", "display_name": "X" * 300_000,
              "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 413
    assert "larger than" in response.text
    assert await _count(ctx, Member) == before


async def test_admin_pages__refused_to_members_with_403(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)
    await add_member(ctx, "mia@example.org")
    assert (await sign_in(client, "mia@example.org", "member password 1")).status_code == 303
    for path in ("/admin/members", "/admin/invitations", "/admin/classes", "/admin/audit"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "admins only" in response.text
    page = await client.get("/settings")
    response = await client.post(
        "/admin/invitations",
        data={"email": "x@example.org", "display_name": "X", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 403
    async with ctx.session() as db:
        assert await members.by_email(db, "x@example.org") is None


async def test_admin_pages__anonymous_visitor_is_sent_to_sign_in(client: AsyncClient) -> None:
    response = await client.get("/admin/members")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/admin/members"


async def test_invitation__duplicate_email_is_refused_with_409(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    response = await post_form(
        client, "/admin/invitations", {"email": "ADA@example.org", "display_name": "Again"}
    )
    assert response.status_code == 409
    assert "already exists" in response.text


async def test_invitation__used_link_is_refused(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email="once@example.org", display_name="Once", class_id=None, by=None,
            now=ctx.clock.now(),
        )
        await invitation.accept(
            db, issued.secret, password="first password", display_name="Once",
            username="once", language="en", hasher=ctx.hasher, now=ctx.clock.now(),
        )
        await db.commit()
    await sign_out(client)
    response = await client.get(f"/invite/{issued.secret}")
    assert response.status_code == 409
    assert "already been used" in response.text


async def test_invitation__expired_link_is_refused_and_stores_nothing(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email="late@example.org", display_name="Late", class_id=None, by=None,
            now=ctx.clock.now(),
        )
        await db.commit()
    await sign_out(client)
    page = await client.get(f"/invite/{issued.secret}")
    assert page.status_code == 200
    clock.advance(timedelta(days=8))
    response = await client.post(
        f"/invite/{issued.secret}",
        data={"csrf_token": csrf_of(page.text), "display_name": "Late", "username": "late",
              "language": "en", "password": "password 12345", "password_confirm": "password 12345"},
    )
    assert response.status_code == 410
    assert "expired" in response.text
    async with ctx.session() as db:
        late = await members.by_email(db, "late@example.org")
        assert late is not None and late.password_hash is None


async def test_invitation__unknown_link_is_404(client: AsyncClient) -> None:
    assert (await client.get("/invite/not-a-real-token")).status_code == 404


async def test_invitation__short_password_is_refused_with_the_rule(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email="short@example.org", display_name="Short", class_id=None, by=None,
            now=ctx.clock.now(),
        )
        await db.commit()
    await sign_out(client)
    page = await client.get(f"/invite/{issued.secret}")
    response = await client.post(
        f"/invite/{issued.secret}",
        data={"csrf_token": csrf_of(page.text), "display_name": "Short", "username": "short",
              "language": "en", "password": "short", "password_confirm": "short"},
    )
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    # The link still works after the refusal.
    assert (await client.get(f"/invite/{issued.secret}")).status_code == 200


async def test_setup__link_works_once(client: AsyncClient, ctx: AppContext) -> None:
    link = await setup_link(ctx)
    await set_up_instance(client, ctx)  # issues a newer link and uses it
    await sign_out(client)
    assert (await client.get(link)).status_code == 409


async def test_setup__invalid_token_is_404(client: AsyncClient) -> None:
    response = await client.get("/setup?token=nope")
    assert response.status_code == 404
    assert "coopfed init" in response.text


async def test_setup__expired_token_is_refused(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    link = await setup_link(ctx)
    clock.advance(timedelta(hours=25))
    response = await client.get(link)
    assert response.status_code == 409
    assert "expired" in response.text


async def test_setup__mismatched_passwords_store_nothing(
    client: AsyncClient, ctx: AppContext
) -> None:
    link = await setup_link(ctx)
    page = await client.get(link)
    response = await client.post(
        "/setup",
        data={"csrf_token": csrf_of(page.text), "token": link.split("=")[1], "coop_name": "C",
              "display_name": "A", "email": "a@example.org", "language": "en",
              "password": "password one!", "password_confirm": "password two!"},
    )
    assert response.status_code == 422
    assert await _count(ctx, Member) == 0
    assert (await client.get(link)).status_code == 200


async def test_audit_log__records_admin_actions_and_sign_ins(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await post_form(client, "/admin/invitations", {"email": "n@example.org", "display_name": "N"})
    await sign_out(client)
    await sign_in(client, "ada@example.org", "wrong password")
    await sign_in(client, "ada@example.org", "correct horse battery")
    async with ctx.session() as db:
        actions = [e.action for e in reversed(await audit.page(db, limit=20))]
    assert actions == [
        "bylaws.install", "class.create", "instance.setup", "member.invite", "signin.failed",
        "signin.ok",
    ]
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    for action in actions:
        assert action in page.text
    assert await _count(ctx, AuditEvent) == 6
    assert re.search(r"signin\.failed", page.text)
