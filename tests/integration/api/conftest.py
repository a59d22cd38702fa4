"""Shared state builders and checks for the JSON API tests.

State is created through the governance services (and ``api_token.create``), never by raw
inserts, so every test starts from rows the application itself could have written.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from coopfed.api.operation import Operation
from coopfed.auth import api_token
from coopfed.auth.api_token import ApiToken
from coopfed.context import AppContext
from governance import audit, instance, invitation, membership_class
from governance import member as members
from governance.invitation import Invitation
from governance.member import Member, Role, Status
from governance.membership_class import ClassFields, MembershipClass
from governance.password_reset import PasswordReset

PASSWORD = "a long enough password"
API = "/api/v1"
ERROR_KEYS = {"code", "message", "details"}

_serial = itertools.count(1)


@dataclass(frozen=True)
class Caller:
    """A member with a working API token."""

    member: Member
    token: str

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_admin_by_setup(ctx: AppContext, *, email: str = "ada@example.org") -> Member:
    """Complete the first-run setup: the co-op gets its name and first admin."""
    async with ctx.session() as db:
        secret = await instance.issue_setup_token(db, now=ctx.clock.now())
        assert secret is not None
        admin = await instance.complete_setup(
            db,
            secret,
            instance.SetupForm(
                coop_name="Tech Co-op",
                email=email,
                display_name="Ada Admin",
                password=PASSWORD,
                language="en",
            ),
            hasher=ctx.hasher,
            now=ctx.clock.now(),
        )
        await db.commit()
    return admin


async def make_member(
    ctx: AppContext,
    *,
    role: Role | str = Role.MEMBER,
    status: Status | str = Status.MEMBER,
    email: str | None = None,
    username: str | None = None,
    display_name: str | None = None,
    class_id: int | None = None,
) -> Member:
    """A member in ``status`` with ``role``, brought there the way the app does it:
    invite → accept (password set) → admit → suspend/leave, then promote."""
    role, status = Role(role), Status(status)
    n = next(_serial)
    email = email or f"person{n}@example.org"
    username = username or f"person{n}"
    display_name = display_name or f"Person {n}"
    now = ctx.clock.now()
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email=email, display_name=display_name, class_id=class_id, by=None, now=now
        )
        target = issued.member
        if status is not Status.INVITED:
            target = await invitation.accept(
                db,
                issued.secret,
                password=PASSWORD,
                display_name=display_name,
                username=username,
                language="en",
                hasher=ctx.hasher,
                now=now,
            )
        if status in (Status.MEMBER, Status.SUSPENDED):
            await members.set_status(db, target, Status.MEMBER, by=None, now=now)
        if role is Role.ADMIN:
            await members.set_role(db, target, Role.ADMIN, by=None, now=now)
        if status in (Status.SUSPENDED, Status.LEFT):
            await members.set_status(db, target, status, by=None, now=now)
        await db.commit()
    return target


async def make_token(
    ctx: AppContext, member: Member, *, name: str = "tests", expires_at: datetime | None = None
) -> str:
    async with ctx.session() as db:
        issued = await api_token.create(
            db, member, name=name, now=ctx.clock.now(), expires_at=expires_at
        )
        await db.commit()
    return issued.secret


async def make_class(
    ctx: AppContext, slug: str = "worker", *, weight: str = "1", cap: str | None = None
) -> MembershipClass:
    async with ctx.session() as db:
        item = await membership_class.create(
            db,
            ClassFields.parse(slug=slug, name=slug.title(), vote_weight=weight, weight_cap=cap),
            by=None,
            now=ctx.clock.now(),
        )
        await db.commit()
    return item


async def load_member(ctx: AppContext, member_id: int) -> Member:
    """The member as stored now (a fresh session, so nothing cached)."""
    async with ctx.session() as db:
        return await members.get(db, member_id)


async def snapshot(ctx: AppContext) -> dict[str, Any]:
    """Everything an API call could change, to prove a refused call changed nothing."""
    async with ctx.session() as db:
        member_rows = [
            (m.id, m.email, m.display_name, m.language, m.role.value, m.status.value, m.class_id)
            for m in await members.list_all(db)
        ]
        classes = [
            (c.id, c.slug, c.name, c.description, str(c.vote_weight), str(c.weight_cap))
            for c in await membership_class.list_all(db)
        ]
        tokens = [
            (t.id, t.name, t.revoked_at)
            for t in (await db.scalars(select(ApiToken).order_by(ApiToken.id))).all()
        ]
        return {
            "members": member_rows,
            "classes": classes,
            "tokens": tokens,
            "invitations": await db.scalar(select(func.count(Invitation.id))),
            "resets": await db.scalar(select(func.count(PasswordReset.id))),
            "audit": await audit.count(db),
        }


def assert_error(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the API's single error shape with this status; returns ``error``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= ERROR_KEYS and {"code", "message"} <= set(error), error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    if "details" in error:
        assert isinstance(error["details"], list) and error["details"], error
        assert all(isinstance(d, dict) for d in error["details"]), error
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


def fields_in(error: dict[str, Any]) -> set[str]:
    return {d["field"] for d in error.get("details", [])}


def concrete_path(op: Operation, ident: int = 1) -> str:
    """The operation's URL with every path parameter filled with ``ident``."""
    parts = []
    for piece in op.path.split("/"):
        parts.append(str(ident) if piece.startswith("{") else piece)
    return API + "/".join(parts)


# Minimal valid bodies, so a refused call is refused for who is calling and not for its body.
SAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "ProfileIn": {"display_name": "Changed"},
    "MemberUpdateIn": {"role": "admin", "status": "suspended", "class_id": 0},
    "TokenIn": {"name": "sample"},
    "InvitationIn": {"email": "sample@example.org", "display_name": "Sample"},
    "ClassIn": {"slug": "sample", "name": "Sample", "vote_weight": "2"},
}


def sample_body(op: Operation) -> dict[str, Any]:
    """A valid body for the operations listed above; ``{}`` for any other (refusals for the
    caller come before the body is read, so it only has to be JSON)."""
    assert op.body is not None
    return dict(SAMPLE_BODIES.get(op.body.__name__, {}))


async def call(
    client: AsyncClient, op: Operation, *, ident: int = 1, headers: dict[str, str] | None = None
) -> Response:
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if op.body is not None:
        kwargs["json"] = sample_body(op)
    return await client.request(op.method, concrete_path(op, ident), **kwargs)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
async def admin(ctx: AppContext) -> Caller:
    """The only admin, with a token.

    Made through invitation and promotion rather than the first-run setup, so these tests do
    not depend on what the setup adds besides (bylaws presets, default classes).
    """
    member = await make_member(
        ctx, role=Role.ADMIN, email="ada@example.org", username="ada", display_name="Ada Admin"
    )
    return Caller(member, await make_token(ctx, member))


@pytest.fixture
async def member(ctx: AppContext, admin: Caller) -> Caller:
    """An admitted, ordinary member with a token (the instance already has its admin)."""
    found = await make_member(ctx, email="bea@example.org", username="bea", display_name="Béa")
    return Caller(found, await make_token(ctx, found))
