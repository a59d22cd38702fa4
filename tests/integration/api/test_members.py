"""``/members``: the directory members see, and the changes only admins may make."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from coopfed.context import AppContext
from governance import audit
from governance.member import Role, Status
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    fields_in,
    load_member,
    make_class,
    make_member,
    make_token,
    snapshot,
)


@pytest.fixture
async def crowd(ctx: AppContext, member: Caller) -> dict[Status, int]:
    """One member in each status that is not 'member' (ids by status)."""
    return {
        status: (await make_member(ctx, status=status)).id
        for status in (Status.INVITED, Status.APPLICANT, Status.SUSPENDED, Status.LEFT)
    }


# --- reading -------------------------------------------------------------------------------


async def test_list__member_sees_only_admitted_members_without_emails(
    client: AsyncClient, admin: Caller, member: Caller, crowd: dict[Status, int]
) -> None:
    response = await client.get(f"{API}/members", headers=member.headers)
    assert response.status_code == 200
    rows = response.json()
    assert {r["id"] for r in rows} == {admin.id, member.id}
    assert {r["status"] for r in rows} == {"member"}
    others = [r for r in rows if r["id"] != member.id]
    assert others and all(r["email"] is None and r["language"] is None for r in others)
    assert "ada@example.org" not in response.text
    (me,) = [r for r in rows if r["id"] == member.id]
    assert me["email"] == "bea@example.org"


async def test_list__admin_sees_everyone_with_emails(
    client: AsyncClient, admin: Caller, member: Caller, crowd: dict[Status, int]
) -> None:
    rows = (await client.get(f"{API}/members", headers=admin.headers)).json()
    assert {r["id"] for r in rows} == {admin.id, member.id, *crowd.values()}
    assert all(r["email"] and "@" in r["email"] for r in rows)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


async def test_get__member_sees_an_admitted_member_without_email(
    client: AsyncClient, admin: Caller, member: Caller
) -> None:
    response = await client.get(f"{API}/members/{admin.id}", headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ada" and body["role"] == "admin"
    assert body["email"] is None and body["language"] is None


@pytest.mark.parametrize("status", [Status.INVITED, Status.APPLICANT, Status.SUSPENDED, Status.LEFT])
async def test_get__member_asking_for_a_non_admitted_member_gets_404(
    client: AsyncClient, member: Caller, crowd: dict[Status, int], status: Status
) -> None:
    response = await client.get(f"{API}/members/{crowd[status]}", headers=member.headers)
    error = assert_error(response, 404, "not_found")
    # Indistinguishable from an id that does not exist.
    missing = assert_error(
        await client.get(f"{API}/members/{crowd[status] + 1000}", headers=member.headers), 404
    )
    assert error["message"].replace(str(crowd[status]), "N") == missing["message"].replace(
        str(crowd[status] + 1000), "N"
    )


async def test_get__admin_sees_any_member_with_email(
    client: AsyncClient, admin: Caller, crowd: dict[Status, int]
) -> None:
    response = await client.get(f"{API}/members/{crowd[Status.SUSPENDED]}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "suspended" and "@" in response.json()["email"]


async def test_get__applicant_sees_themself(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    applicant = await make_member(ctx, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    response = await client.get(f"{API}/members/{applicant.id}", headers=headers)
    assert response.status_code == 200 and response.json()["email"] == applicant.email


async def test_list__applicant_with_admin_role_does_not_see_emails(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    # Admin rights belong to admitted admins only (the admin routes say 403 to this caller).
    applicant = await make_member(ctx, role=Role.ADMIN, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    rows = (await client.get(f"{API}/members", headers=headers)).json()
    assert {r["id"] for r in rows} == {admin.id, member.id}
    assert all(r["email"] is None for r in rows)


async def test_get__unknown_id_is_404(client: AsyncClient, admin: Caller) -> None:
    assert_error(await client.get(f"{API}/members/9999", headers=admin.headers), 404, "not_found")


# --- changing ------------------------------------------------------------------------------


async def test_patch__admits_an_applicant(
    client: AsyncClient, ctx: AppContext, admin: Caller, crowd: dict[Status, int]
) -> None:
    target = crowd[Status.APPLICANT]
    response = await client.patch(
        f"{API}/members/{target}", json={"status": "member"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "member"
    assert response.json()["admitted_at"] == "2026-11-25T12:00:00Z"
    assert (await load_member(ctx, target)).status is Status.MEMBER


async def test_patch__suspending_a_member_ends_their_token(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    response = await client.patch(
        f"{API}/members/{member.id}", json={"status": "suspended"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (await load_member(ctx, member.id)).status is Status.SUSPENDED
    assert_error(await client.get(f"{API}/me", headers=member.headers), 401)


async def test_patch__promotes_then_the_new_admin_may_demote_the_first(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    promoted = await client.patch(
        f"{API}/members/{member.id}", json={"role": "admin"}, headers=admin.headers
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    demoted = await client.patch(
        f"{API}/members/{admin.id}", json={"role": "member"}, headers=member.headers
    )
    assert demoted.status_code == 200
    assert (await load_member(ctx, admin.id)).role is Role.MEMBER


async def test_patch__sets_and_clears_the_class(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    set_ = await client.patch(
        f"{API}/members/{member.id}", json={"class_id": worker.id}, headers=admin.headers
    )
    assert set_.json()["class_id"] == worker.id
    cleared = await client.patch(
        f"{API}/members/{member.id}", json={"class_id": 0}, headers=admin.headers
    )
    assert cleared.json()["class_id"] is None
    assert (await load_member(ctx, member.id)).class_id is None


async def test_patch__without_class_id_keeps_the_class(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    worker = await make_class(ctx, "worker")
    target = await make_member(ctx, class_id=worker.id)
    response = await client.patch(
        f"{API}/members/{target.id}", json={"role": "member"}, headers=admin.headers
    )
    assert response.json()["class_id"] == worker.id


async def test_patch__records_who_did_it_in_the_audit_log(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    await client.patch(f"{API}/members/{member.id}", json={"role": "admin"}, headers=admin.headers)
    async with ctx.session() as db:
        (latest,) = await audit.page(db, limit=1)
    assert (latest.action, latest.actor_id, latest.target) == (
        "member.set_role", admin.id, f"member:{member.id}",
    )
    assert latest.details == {"before": "member", "after": "admin"}


async def test_patch__unknown_member_is_404(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(
        f"{API}/members/9999", json={"role": "admin"}, headers=admin.headers
    )
    assert_error(response, 404, "not_found")
    assert await snapshot(ctx) == before


async def test_patch__unknown_class_is_404_and_changes_nothing(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(
        f"{API}/members/{member.id}", json={"role": "admin", "class_id": 999},
        headers=admin.headers,
    )
    assert_error(response, 404, "not_found")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "change", [{"role": "member"}, {"status": "suspended"}, {"status": "left"}],
    ids=["demote", "suspend", "leave"],
)
async def test_patch__last_admin_cannot_stop_being_one(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller, change: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(f"{API}/members/{admin.id}", json=change, headers=admin.headers)
    assert_error(response, 409, "last_admin")
    assert await snapshot(ctx) == before
    stored = await load_member(ctx, admin.id)
    assert (stored.role, stored.status) == (Role.ADMIN, Status.MEMBER)


async def test_patch__suspended_admin_can_be_demoted_while_another_admin_remains(
    client: AsyncClient, ctx: AppContext, admin: Caller
) -> None:
    other = await make_member(ctx, role=Role.ADMIN, status=Status.SUSPENDED)
    response = await client.patch(
        f"{API}/members/{other.id}", json={"role": "member"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert (await load_member(ctx, other.id)).role is Role.MEMBER


async def test_patch__failure_half_way_changes_nothing(
    client: AsyncClient, ctx: AppContext, admin: Caller, crowd: dict[Status, int]
) -> None:
    # The role change succeeds first, then the status change is refused: both are undone.
    before = await snapshot(ctx)
    response = await client.patch(
        f"{API}/members/{crowd[Status.LEFT]}", json={"role": "admin", "status": "member"},
        headers=admin.headers,
    )
    assert_error(response, 409, "bad_status_change")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"status": "invited"}, "status"),
        ({"class_id": "worker"}, "class_id"),
        ({"role": "admin", "colour": "red"}, "colour"),
    ],
    ids=["bad-role", "status-not-settable", "class-not-int", "extra-field"],
)
async def test_patch__schema_violation_is_422_naming_the_field(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller,
    body: dict[str, object], field: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.patch(f"{API}/members/{member.id}", json=body, headers=admin.headers)
    assert fields_in(assert_error(response, 422, "invalid_input")) == {field}
    assert await snapshot(ctx) == before


async def test_reset_link__issues_a_one_day_link(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller
) -> None:
    response = await client.post(
        f"{API}/members/{member.id}/password-reset", headers=admin.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["url"].startswith("http://testserver/reset/")
    assert body["member"]["id"] == member.id and body["member"]["email"] == "bea@example.org"
    assert body["expires_at"] == (ctx.clock.now() + timedelta(hours=24)).isoformat().replace(
        "+00:00", "Z"
    )
    page = await client.get(body["url"].removeprefix("http://testserver"))
    assert page.status_code == 200


async def test_reset_link__unknown_member_is_404(client: AsyncClient, admin: Caller) -> None:
    response = await client.post(f"{API}/members/9999/password-reset", headers=admin.headers)
    assert_error(response, 404, "not_found")


async def test_reset_link__invited_member_is_409(
    client: AsyncClient, ctx: AppContext, admin: Caller, crowd: dict[Status, int]
) -> None:
    before = await snapshot(ctx)
    response = await client.post(
        f"{API}/members/{crowd[Status.INVITED]}/password-reset", headers=admin.headers
    )
    assert_error(response, 409, "bad_status")
    assert await snapshot(ctx) == before
