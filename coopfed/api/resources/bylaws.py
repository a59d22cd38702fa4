"""The bylaws: the current version and every earlier one (append-only)."""

from __future__ import annotations

from coopfed.api.governance_schemas import BylawsOut, BylawsVersionOut
from coopfed.api.operation import Call, Operation
from governance.bylaws import store
from governance.errors import NotFound
from governance.i18n import N_


async def current_bylaws(call: Call) -> BylawsOut:
    found = await store.current_version(call.db)
    if found is None:
        raise NotFound(
            N_("This co-op has no bylaws yet; an admin chooses them at setup."), code="no_bylaws"
        )
    return BylawsOut.of(found)


async def list_versions(call: Call) -> list[BylawsVersionOut]:
    return [BylawsVersionOut.of(row) for row in await store.history(call.db)]


async def get_version(call: Call) -> BylawsOut:
    return BylawsOut.of(await store.get_version(call.db, call.path_int("version")))


operations = [
    Operation(
        "GET",
        "/bylaws",
        current_bylaws,
        "The bylaws in force: proposal kinds and their rules",
        "member",
        "bylaws",
        response=BylawsOut,
        errors=(404,),
    ),
    Operation(
        "GET",
        "/bylaws/versions",
        list_versions,
        "Every bylaws version, newest first",
        "member",
        "bylaws",
        response=list[BylawsVersionOut],
    ),
    Operation(
        "GET",
        "/bylaws/versions/{version:int}",
        get_version,
        "One bylaws version",
        "member",
        "bylaws",
        response=BylawsOut,
        errors=(404,),
    ),
]
