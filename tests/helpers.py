"""Helpers for tests that drive the web pages over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

from httpx import AsyncClient, Response

from coopfed.context import AppContext
from governance import instance

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_EMAIL = "ada@example.org"
ADMIN_PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def post_form(
    client: AsyncClient, url: str, data: dict[str, str], *, from_page: str | None = None
) -> Response:
    """GET the page the form lives on (for its CSRF token), then POST the form."""
    page = await client.get(from_page or url)
    return await client.post(url, data={**data, "csrf_token": csrf_of(page.text)})


@dataclass(frozen=True)
class Admin:
    email: str = ADMIN_EMAIL
    password: str = ADMIN_PASSWORD


async def setup_link(ctx: AppContext) -> str:
    async with ctx.session() as db:
        secret = await instance.issue_setup_token(db, now=ctx.clock.now())
        await db.commit()
    assert secret is not None
    return f"/setup?token={secret}"


async def set_up_instance(client: AsyncClient, ctx: AppContext, *, name: str = "Tech Co-op") -> Admin:
    """Run the first-run setup through the web page; the client ends signed in as the admin."""
    link = await setup_link(ctx)
    page = await client.get(link)
    assert page.status_code == 200, page.text
    response = await client.post(
        "/setup",
        data={
            "csrf_token": csrf_of(page.text),
            "token": link.split("token=")[1],
            "coop_name": name,
            "display_name": "Ada Admin",
            "email": ADMIN_EMAIL,
            "language": "en",
            "password": ADMIN_PASSWORD,
            "password_confirm": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 303, response.text
    return Admin()


async def sign_in(client: AsyncClient, email: str, password: str) -> Response:
    return await post_form(client, "/signin", {"email": email, "password": password})


async def sign_out(client: AsyncClient) -> None:
    await post_form(client, "/signout", {}, from_page="/")
    client.cookies.clear()
