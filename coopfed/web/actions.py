"""Admin actions posted from a page: the same steps around each one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from coopfed.context import AppContext
from coopfed.web.errors import refused
from coopfed.web.forms import Form, posted
from coopfed.web.guards import require_admin
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance.errors import GovernanceError

# step(ctx, db, form, admin_id): the change itself; admin_action commits it.
Step = Callable[[AppContext, AsyncSession, Form, int], Awaitable[object]]


async def admin_action(
    request: Request,
    step: Step,
    *,
    page: Callable[..., Awaitable[Response]],
    to: str,
    notice: str,
    keep_form: bool = True,
) -> Response:
    """Run one admin action from a posted form: on success commit and redirect to ``to`` with
    ``notice``; on a refusal show ``page`` again with the error (and, with ``keep_form``, what
    was typed), having stored nothing."""
    admin = await require_admin(request)
    _who, form = await posted(request)
    db = db_of(request)
    try:
        await step(ctx_of(request), db, form, admin.id)
        await db.commit()
    except GovernanceError as exc:
        kept: dict[str, Any] = {"form": form.values} if keep_form else {}
        return await refused(request, exc, page, **kept)
    return redirect(request, to, notice=notice)
