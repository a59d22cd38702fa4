"""Invitations (admins)."""

from __future__ import annotations

from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import InvitationIn, LinkOut, MemberOut
from governance import invitation


async def create_invitation(call: Call) -> LinkOut:
    body: InvitationIn = call.body
    issued = await invitation.invite(
        call.db,
        email=body.email,
        display_name=body.display_name,
        class_id=body.class_id,
        language=body.language,
        by=call.caller.id,
        now=call.ctx.clock.now(),
    )
    await call.db.commit()
    return LinkOut(
        member=MemberOut.of(issued.member, private=True),
        url=f"{call.ctx.settings.effective_base_url}/invite/{issued.secret}",
        expires_at=issued.invitation.expires_at,
    )


operations = [
    Operation(
        "POST",
        "/invitations",
        create_invitation,
        "Invite someone (one-time link)",
        "admin",
        "invitations",
        body=InvitationIn,
        response=LinkOut,
        status=201,
        errors=(404, 409),
    ),
]
