"""Public facts about this instance."""

from __future__ import annotations

from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import InstanceOut
from coopfed.i18n import LANGUAGES
from governance import instance


async def get_instance(call: Call) -> InstanceOut:
    inst = await instance.get(call.db)
    return InstanceOut(
        name=inst.name if inst else "",
        domain=call.ctx.settings.domain,
        languages=list(LANGUAGES),
        set_up=bool(inst and inst.is_set_up),
    )


operations = [
    Operation(
        "GET",
        "/instance",
        get_instance,
        "This co-op's instance",
        "public",
        "instance",
        response=InstanceOut,
    ),
]
