"""Story: the first admin sets the co-op up, invites someone who accepts and is admitted."""

from __future__ import annotations

import re

from httpx import AsyncClient

from coopfed.context import AppContext
from tests.helpers import csrf_of, post_form, set_up_instance, sign_in, sign_out


async def test_setup_invite_accept_admit_sign_in(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx, name="Les Codeuses")
    home = await client.get("/")
    assert "Les Codeuses" in home.text
    assert "Hello, Ada Admin" in home.text

    created = await post_form(
        client, "/admin/invitations",
        {"email": "bea@example.org", "display_name": "Béa", "class_id": "", "language": "fr"},
    )
    assert created.status_code == 201, created.text
    link = re.search(r'value="http://testserver(/invite/[^"]+)"', created.text)
    assert link
    await sign_out(client)

    form = await client.get(link.group(1))
    assert form.status_code == 200
    accepted = await client.post(
        link.group(1),
        data={
            "csrf_token": csrf_of(form.text), "display_name": "Béa", "username": "bea",
            "language": "fr", "password": "a long enough pw", "password_confirm": "a long enough pw",
        },
    )
    assert accepted.status_code == 303, accepted.text
    waiting = await client.get("/")
    assert "admin" in waiting.text.lower()
    await sign_out(client)

    assert (await sign_in(client, "ada@example.org", "correct horse battery")).status_code == 303
    members_page = await client.get("/admin/members")
    bea_id = re.search(r'id="member-(\d+)">\s*<td>Béa', members_page.text)
    assert bea_id
    admitted = await post_form(
        client, f"/admin/members/{bea_id.group(1)}", {"action": "admit"}, from_page="/admin/members"
    )
    assert admitted.status_code == 303
    await sign_out(client)

    assert (await sign_in(client, "bea@example.org", "a long enough pw")).status_code == 303
    directory = await client.get("/members")
    assert directory.status_code == 200
    assert "Béa" in directory.text
