"""Cookies carry Secure when the instance is served over https."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from coopfed.app import create_app
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from governance.clock import ManualClock
from tests.helpers import set_up_instance


@pytest.fixture
async def https_ctx(settings: Settings, clock: ManualClock) -> AsyncIterator[AppContext]:
    from coopfed import bootstrap

    context = build_context(settings.replace(base_url="https://coop.example"), clock=clock)
    await bootstrap.initialize(context, upgrade=False)
    yield context
    await context.dispose()


async def test_cookies__are_secure_under_https(https_ctx: AppContext) -> None:
    app = create_app(https_ctx.settings, context=https_ctx, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="https://coop.example") as client:
            await set_up_instance(client, https_ctx)
            page = await client.get("/")
            assert page.status_code == 200
            # The session cookie came with the setup redirect.
            assert client.cookies.get("coopfed_session")
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://coop.example") as c:
        response = await c.get("/signin")
        cookie = response.headers["set-cookie"]
        assert "coopfed_csrf=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
