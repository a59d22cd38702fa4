"""The bylaws: the current version (its text and the rules of each kind of proposal), every
earlier version, and how each came to be (chosen at setup, or adopted by a proposal)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.guards import require_member
from coopfed.web.pages.proposals import class_names, page, rules_view
from coopfed.web.viewer import db_of
from governance import markdown
from governance import member as members
from governance.bylaws import store
from governance.bylaws.store import BylawsVersion
from governance.errors import NotFound
from governance.i18n import N_


async def _show(request: Request, version: BylawsVersion) -> Response:
    db = db_of(request)
    history = await store.history(db)
    names = {m.id: m.display_name for m in await members.list_all(db)}
    cnames = await class_names(request)
    bylaws = version.bylaws
    return await page(
        request,
        "bylaws.html",
        {
            "version": version,
            "latest": history[0].version if history else version.version,
            "bylaws": bylaws,
            "text_html": markdown.render(bylaws.text),
            "kinds": [(k.key, rules_view(k.to_json(), cnames)) for k in bylaws.kinds.values()],
            "history": history,
            "names": names,
        },
    )


async def bylaws_current(request: Request) -> Response:
    await require_member(request)
    found = await store.current_version(db_of(request))
    if found is None:
        raise NotFound(
            N_("This co-op has no bylaws yet; an admin chooses them at setup."), code="no_bylaws"
        )
    return await _show(request, found)


async def bylaws_version(request: Request) -> Response:
    await require_member(request)
    return await _show(
        request, await store.get_version(db_of(request), int(request.path_params["version"]))
    )


routes = [
    Route("/bylaws", bylaws_current, methods=["GET"]),
    Route("/bylaws/{version:int}", bylaws_version, methods=["GET"]),
]
