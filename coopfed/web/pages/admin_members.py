"""Admin: members (admit, suspend, roles, classes, reset links) and invitations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.auth import web_session
from coopfed.web.forms import posted
from coopfed.web.guards import require_admin
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import ctx_of, db_of
from governance import invitation, membership_class, password_reset
from governance import member as members
from governance.errors import GovernanceError
from governance.i18n import N_
from governance.member import Role, Status

STATUS_ACTIONS = {
    "admit": Status.MEMBER,
    "reinstate": Status.MEMBER,
    "suspend": Status.SUSPENDED,
    "left": Status.LEFT,
}


async def _members_page(
    request: Request,
    *,
    error: str | None = None,
    params: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    return await render(
        request,
        "admin/members.html",
        {
            "members": await members.list_all(db),
            "classes": await membership_class.list_all(db),
            "roles": list(Role),
            "error": error,
            "params": params or {},
        },
        status=status,
    )


async def member_list(request: Request) -> Response:
    await require_admin(request)
    return await _members_page(request)


async def member_action(request: Request) -> Response:
    admin = await require_admin(request)
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    now = ctx.clock.now()
    action = form.get("action")
    try:
        target = await members.get(db, int(request.path_params["member_id"]))
        if action in STATUS_ACTIONS:
            await members.set_status(db, target, STATUS_ACTIONS[action], by=admin.id, now=now)
            if STATUS_ACTIONS[action] is not Status.MEMBER:
                await web_session.close_all(db, target.id)
        elif action == "role":
            role = form.get("role")
            if role not in {r.value for r in Role}:
                return await _members_page(request, error=N_("Unknown role."), status=422)
            await members.set_role(db, target, Role(role), by=admin.id, now=now)
        elif action == "class":
            raw = form.get("class_id")
            await membership_class.assign(
                db, target, int(raw) if raw.isdigit() else None, by=admin.id, now=now
            )
        elif action == "reset_link":
            issued = await password_reset.issue(db, target, by=admin.id, now=now)
            await db.commit()
            return await render(
                request,
                "admin/link.html",
                {
                    "kind": "reset",
                    "target": target,
                    "url": f"{ctx.settings.effective_base_url}/reset/{issued.secret}",
                    "expires_at": issued.reset.expires_at,
                },
                status=201,
            )
        else:
            return await _members_page(request, error=N_("Unknown action."), status=422)
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        status = {"not_found": 404, "conflict": 409}.get(type(exc).code, 422)
        if exc.code in ("last_admin", "bad_status_change", "bad_status"):
            status = 409
        return await _members_page(request, error=exc.template, params=exc.params, status=status)
    return redirect(request, "/admin/members", notice="member_updated")


async def invitation_page(request: Request) -> Response:
    await require_admin(request)
    db = db_of(request)
    return await render(
        request,
        "admin/invitations.html",
        {
            "classes": await membership_class.list_all(db),
            "form": {},
            "error": None,
            "invited": await members.list_all(db, status=Status.INVITED),
        },
    )


async def invitation_create(request: Request) -> Response:
    admin = await require_admin(request)
    _who, form = await posted(request)
    ctx = ctx_of(request)
    db = db_of(request)
    raw_class = form.get("class_id")
    try:
        issued = await invitation.invite(
            db,
            email=form.get("email"),
            display_name=form.get("display_name"),
            class_id=int(raw_class) if raw_class.isdigit() else None,
            language=form.get("language", "en"),
            by=admin.id,
            now=ctx.clock.now(),
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await render(
            request,
            "admin/invitations.html",
            {
                "classes": await membership_class.list_all(db),
                "form": form.values,
                "error": exc.template,
                "params": exc.params,
                "invited": await members.list_all(db, status=Status.INVITED),
            },
            status=409 if exc.code == "duplicate_email" else 422,
        )
    return await render(
        request,
        "admin/link.html",
        {
            "kind": "invitation",
            "target": issued.member,
            "url": f"{ctx.settings.effective_base_url}/invite/{issued.secret}",
            "expires_at": issued.invitation.expires_at,
        },
        status=201,
    )


routes = [
    Route("/admin/members", member_list, methods=["GET"]),
    Route("/admin/members/{member_id:int}", member_action, methods=["POST"]),
    Route("/admin/invitations", invitation_page, methods=["GET"]),
    Route("/admin/invitations", invitation_create, methods=["POST"]),
]
