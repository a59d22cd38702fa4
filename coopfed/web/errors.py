"""How the web pages answer errors: a page in the visitor's language with the right status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from coopfed.web.csrf import CsrfError
from coopfed.web.forms import FormError
from coopfed.web.guards import AdminRequired, SignInRequired
from coopfed.web.templating import render
from coopfed.web.viewer import db_of
from governance.errors import Conflict, Forbidden, GovernanceError, InvalidInput, NotFound
from governance.i18n import N_

TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    422: N_("Invalid input"),
    500: N_("Something went wrong"),
}


STATUS_BY_KIND: tuple[tuple[type[GovernanceError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (InvalidInput, 422),
)


def http_status(exc: GovernanceError) -> int:
    """The HTTP status a page answers a refused request with."""
    for kind, code in STATUS_BY_KIND:
        if isinstance(exc, kind):
            return code
    return 500


async def refused(
    request: Request, exc: GovernanceError, page: Callable[..., Awaitable[Response]], **kwargs: Any
) -> Response:
    """Roll back what the refused request changed and show ``page`` again with the error, at
    the error's status; ``kwargs`` go to ``page`` as well (e.g. ``form`` to keep the input)."""
    await db_of(request).rollback()
    return await page(
        request, error=exc.template, params=exc.params, status=http_status(exc), **kwargs
    )


async def error_page(
    request: Request, status: int, message: str, params: dict[str, object] | None = None
) -> Response:
    """An error page; ``message`` is an English msgid, translated with ``params`` when shown."""
    db = getattr(request.state, "db", None)
    if db is not None and db.in_transaction():
        await db.rollback()
    return await render(
        request,
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, TITLES[500]),
            "message": message,
            "params": params or {},
        },
        status=status,
    )


async def on_csrf(request: Request, exc: Exception) -> Response:
    return await error_page(
        request,
        403,
        N_(
            "This form has expired or did not come from this site. Go back, reload the page and "
            "try again."
        ),
    )


async def on_form_error(request: Request, exc: Exception) -> Response:
    return await error_page(
        request, 400, N_("The form could not be read. Reload the page and try again.")
    )


async def on_sign_in_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


async def on_admin_required(request: Request, exc: Exception) -> Response:
    return await error_page(request, 403, N_("This page is for the co-op's admins only."))


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {
        404: N_("There is no page at this address."),
        405: N_("This address does not accept that kind of request."),
    }.get(exc.status_code, N_("The request could not be handled."))
    return await error_page(request, exc.status_code, message)


async def on_governance(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GovernanceError)
    return await error_page(request, http_status(exc), exc.template, exc.params)


HANDLERS: dict[type[Exception] | int, object] = {
    CsrfError: on_csrf,
    FormError: on_form_error,
    SignInRequired: on_sign_in_required,
    AdminRequired: on_admin_required,
    GovernanceError: on_governance,
}
