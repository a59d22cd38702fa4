"""CSRF protection for every web form.

Signed-in members get a per-session token stored with their session. Anonymous visitors (sign-in,
setup and invitation forms) get a random token in a cookie that the form must echo. On top,
a cross-site ``Origin`` header is refused outright.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from coopfed.web.viewer import Viewer
from governance import token

ANON_COOKIE = "coopfed_csrf"
FIELD = "csrf_token"


class CsrfError(Exception):
    """The form's CSRF token is missing or wrong, or the request came from another site."""


def token_for(request: Request, viewer: Viewer) -> str:
    if viewer.session is not None:
        return viewer.session.csrf_token
    existing = request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_csrf", None)
    if existing:
        return str(existing)
    fresh = token.new_secret(24)
    request.state.new_csrf = fresh
    return fresh


def check(request: Request, viewer: Viewer, submitted: str | None) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host", ""):
            raise CsrfError("cross-site request")
    if viewer.session is not None:
        expected: str | None = viewer.session.csrf_token
    else:
        expected = request.cookies.get(ANON_COOKIE)
    if not submitted or not expected or not hmac.compare_digest(submitted, expected):
        raise CsrfError("missing or wrong CSRF token")
