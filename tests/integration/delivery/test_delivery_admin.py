"""Admins see the delivery queue per host and act on it: from the API, the web page (English
and French) and the command line. Refusals change nothing."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from httpx import AsyncClient
from sqlalchemy import select

from coopfed.cli import main
from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from federation.delivery import outbox
from federation.delivery.model import Delivery, DeliveryHost, DeliveryStatus
from governance import audit
from governance.clock import ManualClock
from governance.member import Role
from tests.helpers import post_form, set_up_instance
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.integration.delivery.conftest import note_activity

PAGE = "/admin/federation/deliveries"
UP = "https://up.example/inbox"
DOWN = "https://down.example/inbox"


@pytest.fixture
async def admin(ctx: AppContext) -> Caller:
    found = await make_member(
        ctx, role=Role.ADMIN, email="ada@example.org", username="ada", display_name="Ada"
    )
    return Caller(found, await make_token(ctx, found))


@pytest.fixture
async def member(ctx: AppContext, admin: Caller) -> Caller:
    found = await make_member(ctx, email="bea@example.org", username="bea", display_name="Béa")
    return Caller(found, await make_token(ctx, found))


async def seed(ctx: AppContext) -> dict[str, int]:
    """One delivered, one failed and one pending delivery to up.example; down.example paused
    with a pending delivery. Returns the delivery ids by name."""
    now = ctx.clock.now()
    async with ctx.session() as db:
        inboxes = [f"{UP}/1", f"{UP}/2", f"{UP}/3", DOWN]
        await outbox.publish(
            db, actor="instance", activity=note_activity(ctx, "x"), inboxes=inboxes, now=now
        )
        rows = {r.inbox_url: r for r in await db.scalars(select(Delivery))}
        rows[f"{UP}/1"].status = DeliveryStatus.DELIVERED
        rows[f"{UP}/1"].attempts, rows[f"{UP}/1"].last_status = 1, 202
        failed = rows[f"{UP}/2"]
        failed.status, failed.attempts, failed.last_status = DeliveryStatus.FAILED, 1, 403
        failed.last_error = "HTTP 403: forbidden"
        rows[DOWN].attempts, rows[DOWN].next_attempt_at = 5, now + timedelta(hours=1)
        db.add(
            DeliveryHost(
                host="down.example",
                consecutive_failures=5,
                paused_until=now + timedelta(minutes=1),
                last_error="down.example: ConnectError",
                last_failure_at=now,
            )
        )
        await db.commit()
        return {
            "delivered": rows[f"{UP}/1"].id,
            "failed": failed.id,
            "pending": rows[f"{UP}/3"].id,
            "down": rows[DOWN].id,
        }


async def delivery(ctx: AppContext, delivery_id: int) -> Delivery:
    async with ctx.session() as db:
        row = await db.get(Delivery, delivery_id)
        assert row is not None
        return row


# --- API -----------------------------------------------------------------------------------


async def test_api__lists_hosts_and_deliveries(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    ids = await seed(ctx)
    hosts = await client.get(f"{API}/federation/delivery-hosts", headers=admin.headers)
    assert hosts.status_code == 200, hosts.text
    by_host = {h["host"]: h for h in hosts.json()}
    assert set(by_host) == {"up.example", "down.example"}
    up, down = by_host["up.example"], by_host["down.example"]
    assert (up["pending"], up["delivered"], up["failed"], up["paused"]) == (1, 1, 1, False)
    assert (down["pending"], down["paused"], down["consecutive_failures"]) == (1, True, 5)
    assert down["last_error"] == "down.example: ConnectError"

    listed = await client.get(
        f"{API}/federation/deliveries?host=UP.example&status=failed", headers=admin.headers
    )
    assert listed.status_code == 200
    (only,) = listed.json()
    assert (only["id"], only["last_status"], only["last_error"]) == (
        ids["failed"],
        403,
        "HTTP 403: forbidden",
    )
    assert only["activity_type"] == "Create"
    everything = await client.get(f"{API}/federation/deliveries", headers=admin.headers)
    assert len(everything.json()) == 4


async def test_api__refuses_an_unknown_status_filter(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    response = await client.get(f"{API}/federation/deliveries?status=lost", headers=admin.headers)
    error = assert_error(response, 422, "invalid_status")
    assert "pending, delivered, failed, cancelled" in error["message"]


async def test_api__retries_a_failed_delivery_with_a_fresh_window(
    client: AsyncClient, ctx: AppContext, admin: Caller, clock: ManualClock
) -> None:
    ids = await seed(ctx)
    clock.advance(timedelta(days=5))
    response = await client.post(
        f"{API}/federation/deliveries/{ids['failed']}/retry", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    row = await delivery(ctx, ids["failed"])
    assert row.status is DeliveryStatus.PENDING
    assert row.next_attempt_at == clock.now() == row.created_at
    async with ctx.session() as db:
        (event,) = [e for e in await audit.page(db) if e.action == "federation.delivery_retry"]
    assert event.actor_id == admin.id and event.details["was"] == "failed"


async def test_api__retry_refusals_change_nothing(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    ids = await seed(ctx)
    missing = await client.post(f"{API}/federation/deliveries/9999/retry", headers=admin.headers)
    assert_error(missing, 404, "delivery_not_found")
    done = await client.post(
        f"{API}/federation/deliveries/{ids['delivered']}/retry", headers=admin.headers
    )
    error = assert_error(done, 409, "delivery_not_retryable")
    assert "delivered" in error["message"]
    forbidden = await client.post(
        f"{API}/federation/deliveries/{ids['failed']}/retry", headers=member.headers
    )
    assert forbidden.status_code == 403
    assert (await delivery(ctx, ids["failed"])).status is DeliveryStatus.FAILED
    unknown = await client.post(
        f"{API}/federation/delivery-hosts/nowhere.example/unpause", headers=admin.headers
    )
    assert_error(unknown, 404, "delivery_host_not_found")


async def test_api__retries_a_host_and_unpauses_it(
    client: AsyncClient, ctx: AppContext, admin: Caller, clock: ManualClock
) -> None:
    ids = await seed(ctx)
    response = await client.post(
        f"{API}/federation/delivery-hosts/down.example/retry", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"host": "down.example", "requeued": 1}
    assert (await delivery(ctx, ids["down"])).next_attempt_at == clock.now()
    hosts = await client.get(f"{API}/federation/delivery-hosts", headers=admin.headers)
    down = next(h for h in hosts.json() if h["host"] == "down.example")
    assert (down["paused"], down["consecutive_failures"]) == (False, 0)

    up = await client.post(
        f"{API}/federation/delivery-hosts/up.example/retry", headers=admin.headers
    )
    assert up.json()["requeued"] == 2  # the failed one and the pending one


async def test_api__unpauses_a_host(client: AsyncClient, ctx: AppContext, admin: Caller) -> None:
    await seed(ctx)
    response = await client.post(
        f"{API}/federation/delivery-hosts/down.example/unpause", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["paused"], response.json()["paused_until"]) == (False, None)


# --- web -----------------------------------------------------------------------------------


async def test_web__shows_hosts_and_retries_and_unpauses(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up_instance(client, ctx)
    ids = await seed(ctx)
    federation = await client.get("/admin/federation")
    assert f'href="{PAGE}"' in federation.text
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "<code>down.example</code>" in page.text and "paused until" in page.text
    assert "down.example: ConnectError" in page.text and "HTTP 403: forbidden" in page.text

    retried = await post_form(client, f"{PAGE}/{ids['failed']}/retry", {}, from_page=PAGE)
    assert retried.status_code == 303
    assert (await delivery(ctx, ids["failed"])).status is DeliveryStatus.PENDING
    assert "The delivery will be sent" in (await client.get(retried.headers["location"])).text

    unpaused = await post_form(
        client, f"{PAGE}/hosts/unpause", {"host": "down.example"}, from_page=PAGE
    )
    assert unpaused.status_code == 303
    async with ctx.session() as db:
        host = await db.get(DeliveryHost, "down.example")
    assert host is not None and host.paused_until is None

    requeued = await post_form(
        client, f"{PAGE}/hosts/retry", {"host": "down.example"}, from_page=PAGE
    )
    assert requeued.status_code == 303
    assert (await delivery(ctx, ids["down"])).next_attempt_at == clock.now()

    filtered = await client.get(f"{PAGE}?host=up.example&status=delivered")
    assert f'id="delivery-{ids["delivered"]}"' in filtered.text
    assert f'id="delivery-{ids["failed"]}"' not in filtered.text


async def test_web__refusals_are_explained_and_change_nothing(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    ids = await seed(ctx)
    done = await post_form(client, f"{PAGE}/{ids['delivered']}/retry", {}, from_page=PAGE)
    assert done.status_code == 409
    assert "only a pending or failed one can be retried" in done.text
    unknown = await post_form(
        client, f"{PAGE}/hosts/unpause", {"host": "nowhere.example"}, from_page=PAGE
    )
    assert unknown.status_code == 404 and "knows no host nowhere.example" in unknown.text
    bad = await client.get(f"{PAGE}?status=lost")
    assert bad.status_code == 422 and "Unknown delivery status lost" in bad.text
    assert (await delivery(ctx, ids["delivered"])).status is DeliveryStatus.DELIVERED


async def test_web__the_page_speaks_french(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    await seed(ctx)
    await post_form(client, "/language", {"language": "fr", "next": PAGE}, from_page=PAGE)
    page = await client.get(PAGE)
    assert "Envois sortants" in page.text and "Serveurs distants" in page.text
    assert "en pause jusqu" in page.text


async def test_web__needs_an_admin(client: AsyncClient) -> None:
    response = await client.get(PAGE)
    assert response.status_code in (303, 401, 403)


# --- command line --------------------------------------------------------------------------


def cli(settings: Settings, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COOPFED_")}
    if settings.database_url:
        env["COOPFED_DATABASE_URL"] = settings.database_url
    return CliRunner().invoke(main, [*args, "--data-dir", str(settings.data_dir)], env=env)


def seeded(settings: Settings) -> dict[str, int]:
    async def run() -> dict[str, int]:
        ctx = build_context(settings)
        try:
            return await seed(ctx)
        finally:
            await ctx.dispose()

    return asyncio.run(run())


def stored(settings: Settings, delivery_id: int) -> Delivery:
    async def run() -> Delivery:
        ctx = build_context(settings)
        try:
            return await delivery(ctx, delivery_id)
        finally:
            await ctx.dispose()

    return asyncio.run(run())


def test_cli__lists_and_retries(settings: Settings) -> None:
    ids = seeded(settings)
    listed = cli(settings, "federation", "deliveries")
    assert listed.exit_code == 0, listed.output
    assert "up.example  pending 1  delivered 1  failed 1" in listed.output
    assert "down.example  pending 1" in listed.output and "paused until" in listed.output
    assert "last error" in listed.output and "ConnectError" in listed.output

    one = cli(settings, "federation", "deliveries", "--host", "up.example", "--status", "failed")
    assert one.exit_code == 0
    assert f"#{ids['failed']}  failed" in one.output and "HTTP 403: forbidden" in one.output
    assert f"#{ids['pending']} " not in one.output

    retried = cli(settings, "federation", "retry", str(ids["failed"]))
    assert retried.exit_code == 0, retried.output
    assert f"Delivery #{ids['failed']} to {UP}/2 is due now." in retried.output
    assert stored(settings, ids["failed"]).status is DeliveryStatus.PENDING

    host = cli(settings, "federation", "retry", "Down.Example")
    assert host.exit_code == 0, host.output
    assert "down.example: unpaused, 1 deliveries due now." in host.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("retry", "9999"), "There is no delivery with id 9999."),
        (("retry", "nowhere.example"), "No delivery has ever gone to nowhere.example."),
        (("deliveries", "--status", "lost"), "Invalid value for '--status'"),
    ],
)
def test_cli__refusals(settings: Settings, args: tuple[str, ...], message: str) -> None:
    seeded(settings)
    result = cli(settings, "federation", *args)
    assert result.exit_code != 0
    assert message in result.output
