"""Who is looking at a page: the signed-in member (from the session cookie), if any."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from coopfed.auth import web_session
from coopfed.auth.web_session import WebSession
from coopfed.context import AppContext
from governance.member import Member, Status

SESSION_COOKIE = "coopfed_session"


@dataclass(frozen=True)
class Viewer:
    member: Member | None = None
    session: WebSession | None = None

    @property
    def is_admin(self) -> bool:
        return (
            self.member is not None and self.member.is_admin and self.member.status is Status.MEMBER
        )


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def db_of(request: Request) -> AsyncSession:
    db: AsyncSession = request.state.db
    return db


async def viewer(request: Request) -> Viewer:
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    found = Viewer()
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        db = db_of(request)
        resolved = await web_session.resolve(db, secret, now=ctx_of(request).clock.now())
        if resolved is not None:
            if db.dirty:
                await db.commit()  # the last-seen time; nothing else has happened yet
            # Detached snapshots: a later rollback in this request cannot expire them.
            db.expunge(resolved[0])
            db.expunge(resolved[1])
            found = Viewer(member=resolved[1], session=resolved[0])
    request.state.viewer = found
    return found


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
