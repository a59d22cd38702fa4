"""Building state for web tests directly through the services (faster than clicking)."""

from __future__ import annotations

from coopfed.context import AppContext
from governance import invitation
from governance import member as members
from governance.member import Member, Role, Status


async def add_member(
    ctx: AppContext,
    email: str,
    password: str = "member password 1",
    *,
    role: Role = Role.MEMBER,
    status: Status = Status.MEMBER,
    name: str = "Member",
) -> Member:
    """An invited-then-accepted member, admitted (or left in ``status``)."""
    now = ctx.clock.now()
    async with ctx.session() as db:
        issued = await invitation.invite(
            db, email=email, display_name=name, class_id=None, by=None, now=now
        )
        member = await invitation.accept(
            db, issued.secret, password=password, display_name=name,
            username=email.split("@")[0].replace(".", "_"), language="en",
            hasher=ctx.hasher, now=now,
        )
        if status is not Status.APPLICANT:
            await members.set_status(db, member, Status.MEMBER, by=None, now=now)
            if status is not Status.MEMBER:
                await members.set_status(db, member, status, by=None, now=now)
        if role is not Role.MEMBER:
            await members.set_role(db, member, role, by=None, now=now)
        await db.commit()
    return member
