"""Membership classes: everyone reads them, admins change them."""

from __future__ import annotations

from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import ClassIn, ClassOut
from governance import membership_class
from governance.membership_class import ClassFields


def _fields(body: ClassIn) -> ClassFields:
    return ClassFields.parse(
        slug=body.slug,
        name=body.name,
        vote_weight=body.vote_weight,
        weight_cap=body.weight_cap,
        description=body.description,
    )


async def list_classes(call: Call) -> list[ClassOut]:
    return [ClassOut.of(c) for c in await membership_class.list_all(call.db)]


async def create_class(call: Call) -> ClassOut:
    item = await membership_class.create(
        call.db, _fields(call.body), by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return ClassOut.of(item)


async def update_class(call: Call) -> ClassOut:
    item = await membership_class.update(
        call.db,
        call.path_int("class_id"),
        _fields(call.body),
        by=call.caller.id,
        now=call.ctx.clock.now(),
    )
    await call.db.commit()
    return ClassOut.of(item)


async def delete_class(call: Call) -> None:
    await membership_class.delete(
        call.db, call.path_int("class_id"), by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()


operations = [
    Operation(
        "GET",
        "/membership-classes",
        list_classes,
        "Membership classes",
        "member",
        "membership-classes",
        response=list[ClassOut],
    ),
    Operation(
        "POST",
        "/membership-classes",
        create_class,
        "Create a membership class",
        "admin",
        "membership-classes",
        body=ClassIn,
        response=ClassOut,
        status=201,
        errors=(409,),
    ),
    Operation(
        "PUT",
        "/membership-classes/{class_id:int}",
        update_class,
        "Change a membership class",
        "admin",
        "membership-classes",
        body=ClassIn,
        response=ClassOut,
        errors=(404, 409),
    ),
    Operation(
        "DELETE",
        "/membership-classes/{class_id:int}",
        delete_class,
        "Delete an unused membership class",
        "admin",
        "membership-classes",
        status=204,
        errors=(404, 409),
    ),
]
