"""Members: the directory for members, and admin changes (role, status, class, reset link)."""

from __future__ import annotations

from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import LinkOut, MemberOut, MemberUpdateIn
from coopfed.auth import web_session
from governance import member as members
from governance import membership_class, password_reset
from governance.errors import NotFound
from governance.i18n import N_
from governance.member import Role, Status


async def list_members(call: Call) -> list[MemberOut]:
    admin = call.caller.is_admin and call.caller.status is Status.MEMBER
    found = await members.list_all(call.db, status=None if admin else Status.MEMBER)
    return [MemberOut.of(m, private=admin or m.id == call.caller.id) for m in found]


async def get_member(call: Call) -> MemberOut:
    target = await members.get(call.db, call.path_int("member_id"))
    admin = call.caller.is_admin and call.caller.status is Status.MEMBER
    if not admin and target.status is not Status.MEMBER and target.id != call.caller.id:
        # Members see only admitted members; anyone else looks just like a missing id.
        raise NotFound(N_("There is no member with id %(id)s."), id=target.id)
    return MemberOut.of(target, private=admin or target.id == call.caller.id)


async def update_member(call: Call) -> MemberOut:
    body: MemberUpdateIn = call.body
    now, by = call.ctx.clock.now(), call.caller.id
    target = await members.get(call.db, call.path_int("member_id"))
    if body.role is not None:
        await members.set_role(call.db, target, Role(body.role), by=by, now=now)
    if body.status is not None:
        await members.set_status(call.db, target, Status(body.status), by=by, now=now)
        if target.status is not Status.MEMBER:
            await web_session.close_all(call.db, target.id)
    if "class_id" in body.model_fields_set:
        class_id = body.class_id or None
        await membership_class.assign(call.db, target, class_id, by=by, now=now)
    await call.db.commit()
    return MemberOut.of(target, private=True)


async def create_reset_link(call: Call) -> LinkOut:
    target = await members.get(call.db, call.path_int("member_id"))
    issued = await password_reset.issue(
        call.db, target, by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return LinkOut(
        member=MemberOut.of(target, private=True),
        url=f"{call.ctx.settings.effective_base_url}/reset/{issued.secret}",
        expires_at=issued.reset.expires_at,
    )


operations = [
    Operation(
        "GET",
        "/members",
        list_members,
        "Members (admins see everyone, with emails)",
        "member",
        "members",
        response=list[MemberOut],
    ),
    Operation(
        "GET",
        "/members/{member_id:int}",
        get_member,
        "One member",
        "member",
        "members",
        response=MemberOut,
        errors=(404,),
    ),
    Operation(
        "PATCH",
        "/members/{member_id:int}",
        update_member,
        "Admit, suspend, change role or class",
        "admin",
        "members",
        body=MemberUpdateIn,
        response=MemberOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/members/{member_id:int}/password-reset",
        create_reset_link,
        "Issue a one-time password-reset link",
        "admin",
        "members",
        response=LinkOut,
        status=201,
        errors=(404, 409),
    ),
]
