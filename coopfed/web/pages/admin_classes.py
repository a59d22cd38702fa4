"""Admin: membership classes (vote weight, cap on the class's share of all weight)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.forms import Form, posted
from coopfed.web.guards import require_admin
from coopfed.web.templating import redirect, render
from coopfed.web.viewer import ctx_of, db_of
from governance import membership_class
from governance.errors import GovernanceError
from governance.membership_class import ClassFields


async def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    editing: int | None = None,
    error: str | None = None,
    params: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    return await render(
        request,
        "admin/classes.html",
        {
            "classes": await membership_class.list_all(db_of(request)),
            "form": form or {},
            "editing": editing,
            "error": error,
            "params": params or {},
        },
        status=status,
    )


def _fields(form: Form) -> ClassFields:
    return ClassFields.parse(
        slug=form.get("slug"),
        name=form.get("name"),
        vote_weight=form.get("vote_weight"),
        weight_cap=form.stripped("weight_cap") or None,
        description=form.get("description"),
    )


async def class_list(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


async def class_create(request: Request) -> Response:
    admin = await require_admin(request)
    _who, form = await posted(request)
    db = db_of(request)
    try:
        await membership_class.create(
            db, _fields(form), by=admin.id, now=ctx_of(request).clock.now()
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _page(
            request,
            form=form.values,
            error=exc.template,
            params=exc.params,
            status=409 if exc.code == "conflict" else 422,
        )
    return redirect(request, "/admin/classes", notice="class_saved")


async def class_update(request: Request) -> Response:
    admin = await require_admin(request)
    _who, form = await posted(request)
    db = db_of(request)
    class_id = int(request.path_params["class_id"])
    try:
        if form.get("action") == "delete":
            await membership_class.delete(
                db, class_id, by=admin.id, now=ctx_of(request).clock.now()
            )
            await db.commit()
            return redirect(request, "/admin/classes", notice="class_deleted")
        await membership_class.update(
            db, class_id, _fields(form), by=admin.id, now=ctx_of(request).clock.now()
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        status = {"not_found": 404, "conflict": 409}.get(exc.code, 422)
        return await _page(
            request,
            form=form.values,
            editing=class_id,
            error=exc.template,
            params=exc.params,
            status=status,
        )
    return redirect(request, "/admin/classes", notice="class_saved")


routes = [
    Route("/admin/classes", class_list, methods=["GET"]),
    Route("/admin/classes", class_create, methods=["POST"]),
    Route("/admin/classes/{class_id:int}", class_update, methods=["POST"]),
]
