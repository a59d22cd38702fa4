"""Bearer tokens: who gets in, who is turned away, and that a refused call changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from coopfed.api.operation import Operation
from coopfed.api.resources import ALL
from coopfed.auth import api_token
from coopfed.context import AppContext
from governance import member as members
from governance.clock import ManualClock
from governance.member import Role, Status
from tests.integration.api.conftest import (
    API,
    Caller,
    assert_error,
    call,
    make_class,
    make_member,
    make_token,
    snapshot,
)

PROTECTED = [op for op in ALL if op.access != "public"]
ADMIN_ONLY = [op for op in ALL if op.access == "admin"]


def op_id(op: Operation) -> str:
    return f"{op.method} {op.path}"


def test_operation_lists__cover_the_three_access_levels() -> None:
    # Guards the parametrisations below against silently testing nothing.
    assert {op.access for op in ALL} == {"public", "member", "admin"}
    assert len(PROTECTED) >= 10 and len(ADMIN_ONLY) >= 6


@pytest.mark.parametrize("op", PROTECTED, ids=op_id)
async def test_protected_operation__without_token_is_401_with_challenge(
    client: AsyncClient, ctx: AppContext, op: Operation
) -> None:
    before = await snapshot(ctx)
    response = await call(client, op)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("op", PROTECTED, ids=op_id)
async def test_protected_operation__with_unknown_token_is_401(
    client: AsyncClient, admin: Caller, op: Operation
) -> None:
    response = await call(client, op, headers={"Authorization": "Bearer cfp_not-a-real-token"})
    assert_error(response, 401, "unauthenticated")
    assert "www-authenticate" in response.headers


@pytest.mark.parametrize(
    "header",
    ["Basic YWRhOnB3", "Bearer", "Bearer    ", "Token cfp_x", "cfp_abc"],
    ids=["basic", "bearer-without-secret", "bearer-blank", "other-scheme", "bare-secret"],
)
async def test_malformed_authorization_header__is_401(
    client: AsyncClient, admin: Caller, header: str
) -> None:
    response = await client.get(f"{API}/me", headers={"Authorization": header})
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == 'Bearer realm="coopfed"'


async def test_token_without_the_cfp_prefix__is_401(client: AsyncClient, admin: Caller) -> None:
    response = await client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {admin.token.removeprefix('cfp_')}"}
    )
    assert_error(response, 401)


async def test_bearer_scheme__is_case_insensitive(client: AsyncClient, admin: Caller) -> None:
    response = await client.get(f"{API}/me", headers={"Authorization": f"bearer {admin.token}"})
    assert response.status_code == 200, response.text


async def test_revoked_token__is_401(client: AsyncClient, ctx: AppContext, admin: Caller) -> None:
    assert (await client.get(f"{API}/me", headers=admin.headers)).status_code == 200
    async with ctx.session() as db:
        (row,) = await api_token.list_for(db, admin.id)
        await api_token.revoke(db, admin.member, row.id, now=ctx.clock.now())
        await db.commit()
    assert_error(await client.get(f"{API}/me", headers=admin.headers), 401, "unauthenticated")


async def test_expired_token__is_401_from_its_expiry_on(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, admin: Caller
) -> None:
    secret = await make_token(ctx, admin.member, expires_at=clock.now() + timedelta(hours=1))
    headers = {"Authorization": f"Bearer {secret}"}
    clock.advance(timedelta(minutes=59))
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert_error(await client.get(f"{API}/me", headers=headers), 401, "unauthenticated")


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.LEFT])
async def test_token_of_member_no_longer_active__is_401(
    client: AsyncClient, ctx: AppContext, admin: Caller, status: Status
) -> None:
    target = await make_member(ctx)
    secret = await make_token(ctx, target)
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        await members.set_status(db, stored, status, by=admin.id, now=ctx.clock.now())
        await db.commit()
    response = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert_error(response, 401)


async def test_token__records_when_it_was_last_used(
    client: AsyncClient, ctx: AppContext, clock: ManualClock, admin: Caller
) -> None:
    clock.advance(timedelta(hours=2))
    assert (await client.get(f"{API}/me", headers=admin.headers)).status_code == 200
    async with ctx.session() as db:
        (row,) = await api_token.list_for(db, admin.id)
    assert row.last_used_at == clock.now()


async def test_public_instance__needs_no_token(client: AsyncClient, ctx: AppContext) -> None:
    response = await client.get(f"{API}/instance")
    assert response.status_code == 200
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("op", ADMIN_ONLY, ids=op_id)
async def test_member_calling_admin_operation__is_403_and_changes_nothing(
    client: AsyncClient, ctx: AppContext, admin: Caller, member: Caller, op: Operation
) -> None:
    worker = await make_class(ctx, "worker")
    # Aim at things that exist, so only the caller's role can explain the refusal.
    ident = worker.id if "class_id" in op.path else admin.id
    before = await snapshot(ctx)
    response = await call(client, op, ident=ident, headers=member.headers)
    assert_error(response, 403, "admin_only")
    after = await snapshot(ctx)
    assert after == before
    stored_admin = next(m for m in after["members"] if m[0] == admin.id)
    assert stored_admin[4:6] == (Role.ADMIN.value, Status.MEMBER.value)


@pytest.mark.parametrize("op", ADMIN_ONLY, ids=op_id)
async def test_applicant_with_admin_role__is_403_on_admin_operations(
    client: AsyncClient, ctx: AppContext, admin: Caller, op: Operation
) -> None:
    # Admin rights need an admitted member; an applicant who was given the role has none yet.
    applicant = await make_member(ctx, role=Role.ADMIN, status=Status.APPLICANT)
    headers = {"Authorization": f"Bearer {await make_token(ctx, applicant)}"}
    before = await snapshot(ctx)
    assert_error(await call(client, op, ident=admin.id, headers=headers), 403, "admin_only")
    assert await snapshot(ctx) == before


async def test_admin__passes_the_same_gate(client: AsyncClient, admin: Caller) -> None:
    response = await client.get(f"{API}/audit", headers=admin.headers)
    assert response.status_code == 200

