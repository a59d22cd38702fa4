"""The caller's own account and tokens."""

from __future__ import annotations

from coopfed.api.errors import ApiError
from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import MemberOut, NewTokenOut, ProfileIn, TokenIn, TokenOut
from coopfed.auth import api_token
from coopfed.auth.api_token import ApiToken
from governance import member as members


def _token(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        hint=row.hint,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
    )


async def get_me(call: Call) -> MemberOut:
    return MemberOut.of(call.caller, private=True)


async def update_me(call: Call) -> MemberOut:
    body: ProfileIn = call.body
    me = await members.update_profile(
        call.db, call.caller, display_name=body.display_name, language=body.language
    )
    await call.db.commit()
    return MemberOut.of(me, private=True)


async def list_tokens(call: Call) -> list[TokenOut]:
    return [_token(row) for row in await api_token.list_for(call.db, call.caller.id)]


async def create_token(call: Call) -> NewTokenOut:
    body: TokenIn = call.body
    if body.expires_at is not None and body.expires_at.tzinfo is None:
        raise ApiError(
            422, "invalid_input", "expires_at: give a time zone, e.g. 2027-01-01T00:00:00Z"
        )
    issued = await api_token.create(
        call.db, call.caller, name=body.name, now=call.ctx.clock.now(), expires_at=body.expires_at
    )
    await call.db.commit()
    return NewTokenOut(**_token(issued.token).model_dump(), token=issued.secret)


async def revoke_token(call: Call) -> None:
    await api_token.revoke(
        call.db, call.caller, call.path_int("token_id"), now=call.ctx.clock.now()
    )
    await call.db.commit()


operations = [
    Operation("GET", "/me", get_me, "Your account", "member", "me", response=MemberOut),
    Operation(
        "PATCH",
        "/me",
        update_me,
        "Change your name or language",
        "member",
        "me",
        body=ProfileIn,
        response=MemberOut,
    ),
    Operation(
        "GET",
        "/me/tokens",
        list_tokens,
        "Your active API tokens",
        "member",
        "me",
        response=list[TokenOut],
    ),
    Operation(
        "POST",
        "/me/tokens",
        create_token,
        "Create an API token",
        "member",
        "me",
        body=TokenIn,
        response=NewTokenOut,
        status=201,
    ),
    Operation(
        "DELETE",
        "/me/tokens/{token_id:int}",
        revoke_token,
        "Revoke one of your tokens",
        "member",
        "me",
        status=204,
        errors=(404,),
    ),
]
