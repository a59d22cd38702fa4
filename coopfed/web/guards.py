"""Page guards: who may see a page."""

from __future__ import annotations

from starlette.requests import Request

from coopfed.web.viewer import viewer
from governance.member import Member


class SignInRequired(Exception):
    """The page needs a signed-in member; the error handler redirects to the sign-in page."""


class AdminRequired(Exception):
    """The page is for admins only (403)."""


async def require_member(request: Request) -> Member:
    who = await viewer(request)
    if who.member is None:
        raise SignInRequired
    return who.member


async def require_admin(request: Request) -> Member:
    who = await viewer(request)
    if who.member is None:
        raise SignInRequired
    if not who.is_admin:
        raise AdminRequired
    return who.member
