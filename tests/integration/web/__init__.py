"""Web tests of the governance pages, and the helpers they share: one signed-in browser per
person, set-up with a chosen bylaws preset, and reading a page's forms."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from httpx import ASGITransport, AsyncClient, Response
from starlette.applications import Starlette

from coopfed.context import AppContext
from coopfed.worker import Worker
from governance.bylaws.presets import WORKER_COOP
from governance.clock import ManualClock
from tests.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of, setup_link, sign_in

PASSWORD = "member password 1"
RECEIPT_RE = re.compile(r'<code id="receipt">([^<]+)</code>')
VALUE_RE = r'name="{name}"[^>]*value="([^"]*)"'


async def set_up(client: AsyncClient, ctx: AppContext, preset: str = "worker_coop") -> None:
    """First-run setup through the web form with ``preset`` bylaws; the client is the admin."""
    link = await setup_link(ctx)
    page = await client.get(link)
    response = await client.post(
        "/setup",
        data={
            "csrf_token": csrf_of(page.text),
            "token": link.split("token=")[1],
            "coop_name": "Tech Co-op",
            "display_name": "Ada Admin",
            "email": ADMIN_EMAIL,
            "language": "en",
            "preset": preset,
            "password": ADMIN_PASSWORD,
            "password_confirm": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 303, response.text


@asynccontextmanager
async def browser(
    app: Starlette, email: str, password: str = PASSWORD
) -> AsyncIterator[AsyncClient]:
    """A separate client (cookie jar) signed in as ``email``."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        signed = await sign_in(c, email, password)
        assert signed.status_code == 303, signed.text
        yield c


async def post(client: AsyncClient, url: str, data: dict[str, str], *, page: str) -> Response:
    """POST a form found on ``page`` (its CSRF token taken from that page)."""
    found = await client.get(page)
    assert found.status_code == 200, found.text
    return await client.post(url, data={**data, "csrf_token": csrf_of(found.text)})


def field_value(html: str, name: str) -> str:
    found = re.search(VALUE_RE.format(name=re.escape(name)), html)
    assert found, f"no field {name} in the page"
    return found.group(1)


def receipt_of(html: str) -> str:
    found = RECEIPT_RE.search(html)
    assert found, "no receipt in the page"
    return found.group(1)


async def propose(client: AsyncClient, kind: str, title: str, **fields: str) -> int:
    """Draft a proposal through the form; returns its id."""
    response = await post(
        client,
        "/proposals",
        {"kind": kind, "title": title, **fields},
        page=f"/proposals/new?kind={kind}",
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def schedule(client: AsyncClient, proposal_id: int) -> Response:
    """Schedule with the form's defaults (the bylaws' notice and shortest voting period)."""
    page = await client.get(f"/proposals/{proposal_id}")
    response = await client.post(
        f"/proposals/{proposal_id}/schedule",
        data={
            "csrf_token": csrf_of(page.text),
            "opens_at": field_value(page.text, "opens_at"),
            "closes_at": field_value(page.text, "closes_at"),
        },
    )
    assert response.status_code == 303, response.text
    return response


async def vote(client: AsyncClient, proposal_id: int, data: dict[str, str]) -> Response:
    return await post(
        client, f"/proposals/{proposal_id}/ballot", data, page=f"/proposals/{proposal_id}"
    )


async def step_worker(ctx: AppContext, clock: ManualClock, delta: timedelta) -> None:
    """Move the clock, then let the background worker do one round (it opens and closes)."""
    clock.advance(delta)
    await Worker(ctx).run_once()


def bylaws_with_kind(key: str, **rules: object) -> dict[str, object]:
    """The worker co-op preset plus a kind ``key``: the ordinary kind's rules, changed by
    ``rules`` (no quorum unless given)."""
    kinds = dict(WORKER_COOP["kinds"])
    kinds[key] = {**kinds["ordinary"], "quorum": "0", **rules}
    return {**WORKER_COOP, "kinds": kinds}


async def adopt_bylaws(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, document: dict[str, object]
) -> int:
    """Pass a bylaws amendment through the web pages; ``client`` must be the only member."""
    proposal_id = await propose(
        client, "bylaws_amendment", "Amend the bylaws", bylaws=json.dumps(document)
    )
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(days=7, minutes=1))
    assert (await vote(client, proposal_id, {"vote": "yes"})).status_code == 200
    await step_worker(ctx, clock, timedelta(days=7))
    page = await client.get(f"/proposals/{proposal_id}")
    assert "Outcome: passed" in page.text, page.text
    return proposal_id
