"""Browser sessions: cookie attributes, sign-out everywhere, password reset ends sessions."""

from __future__ import annotations

import re

from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette

from coopfed.context import AppContext
from tests.helpers import csrf_of, post_form, set_up_instance, sign_in, sign_out
from tests.integration.web_support import add_member


async def test_session_cookie__is_httponly_and_samesite_lax(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)
    response = await sign_in(client, "ada@example.org", "correct horse battery")
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("coopfed_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http base URL in tests


async def test_sign_out_everywhere__ends_every_session(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as other:
        await sign_in(other, "ada@example.org", "correct horse battery")
        assert (await other.get("/settings")).status_code == 200
        response = await post_form(client, "/signout/everywhere", {}, from_page="/settings")
        assert response.status_code == 303
        assert (await other.get("/settings")).status_code == 303  # back to sign-in
    assert (await client.get("/settings")).status_code == 303


async def test_password_reset__link_sets_new_password_and_ends_sessions(
    app: Starlette, client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    member = await add_member(ctx, "rita@example.org", name="Rita")
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as rita:
        await sign_in(rita, "rita@example.org", "member password 1")
        assert (await rita.get("/settings")).status_code == 200
        made = await post_form(
            client, f"/admin/members/{member.id}", {"action": "reset_link"},
            from_page="/admin/members",
        )
        assert made.status_code == 201
        link = re.search(r'value="http://testserver(/reset/[^"]+)"', made.text)
        assert link
        assert (await rita.get("/settings")).status_code == 200
        rita.cookies.clear()
        page = await rita.get(link.group(1))
        done = await rita.post(
            link.group(1),
            data={"csrf_token": csrf_of(page.text), "password": "brand new password",
                  "password_confirm": "brand new password"},
        )
        assert done.status_code == 303
        assert (await sign_in(rita, "rita@example.org", "member password 1")).status_code == 401
        assert (await sign_in(rita, "rita@example.org", "brand new password")).status_code == 303
        again = await rita.get(link.group(1))
        assert again.status_code == 409


async def test_settings__member_creates_and_revokes_an_api_token(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    created = await post_form(client, "/settings/tokens", {"name": "my script"}, from_page="/settings")
    assert created.status_code == 201
    secret = re.search(r'<code id="new-token">(cfp_[^<]+)</code>', created.text)
    assert secret
    me = await client.get("/api/v1/me", headers={"authorization": f"Bearer {secret.group(1)}"})
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.org"
    token_id = re.search(r'/settings/tokens/(\d+)/revoke', created.text)
    assert token_id
    revoked = await post_form(
        client, f"/settings/tokens/{token_id.group(1)}/revoke", {}, from_page="/settings"
    )
    assert revoked.status_code == 303
    me = await client.get("/api/v1/me", headers={"authorization": f"Bearer {secret.group(1)}"})
    assert me.status_code == 401


async def test_admin__manages_membership_classes_from_the_web(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    made = await post_form(
        client, "/admin/classes",
        {"slug": "user", "name": "Users", "vote_weight": "1", "weight_cap": "", "description": ""},
    )
    assert made.status_code == 303
    made = await post_form(
        client, "/admin/classes",
        {"slug": "supporter", "name": "Supporters", "vote_weight": "1", "weight_cap": "0.2",
         "description": "Friends of the co-op"},
    )
    assert made.status_code == 303
    page = await client.get("/admin/classes")
    assert "Supporters" in page.text and 'value="0.2"' in page.text
    bad = await post_form(
        client, "/admin/classes",
        {"slug": "x", "name": "X", "vote_weight": "1", "weight_cap": "1.5", "description": ""},
    )
    assert bad.status_code == 422
    assert "more than 0 and at most 1" in bad.text
    dup = await post_form(
        client, "/admin/classes",
        {"slug": "worker", "name": "W2", "vote_weight": "1", "weight_cap": "", "description": ""},
    )
    assert dup.status_code == 409
    member = await add_member(ctx, "wk@example.org")
    class_id = re.search(r'action="/admin/classes/(\d+)"[^>]*>\s*<input[^>]*>\s*<label[^>]*>[^<]*</label>\s*<input id="slug-\d+" name="slug" value="user"', page.text)
    assert class_id
    assigned = await post_form(
        client, f"/admin/members/{member.id}", {"action": "class", "class_id": class_id.group(1)},
        from_page="/admin/members",
    )
    assert assigned.status_code == 303
    in_use = await post_form(
        client, f"/admin/classes/{class_id.group(1)}",
        {"action": "delete", "slug": "x", "name": "x", "vote_weight": "1"},
        from_page="/admin/classes",
    )
    assert in_use.status_code == 409
    assert "still has 1 member" in in_use.text


async def test_admin__cannot_demote_the_last_admin(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    page = await client.get("/admin/members")
    admin_id = re.search(r'id="member-(\d+)"', page.text)
    assert admin_id
    response = await post_form(
        client, f"/admin/members/{admin_id.group(1)}", {"action": "role", "role": "member"},
        from_page="/admin/members",
    )
    assert response.status_code == 409
    assert "last admin" in response.text
    assert (await client.get("/admin/members")).status_code == 200
