"""The discussion thread of a proposal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import markdown
from governance.db import Base, UTCDateTime
from governance.errors import Conflict, Forbidden, InvalidInput
from governance.i18n import N_
from governance.member import Member, Status
from governance.proposal.model import Proposal, ProposalStatus

MAX_LENGTH = 20_000
OPEN_FOR_COMMENTS = frozenset({ProposalStatus.DRAFT, ProposalStatus.SCHEDULED, ProposalStatus.OPEN})


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def add(
    session: AsyncSession, proposal: Proposal, author: Member, body: str, *, now: datetime
) -> Comment:
    if author.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members take part in discussions."), code="not_member")
    if proposal.status not in OPEN_FOR_COMMENTS:
        raise Conflict(
            N_("The discussion is closed: this proposal is no longer open."),
            code="discussion_closed",
        )
    body = body.strip()
    if not body or len(body) > MAX_LENGTH:
        raise InvalidInput(
            N_("A comment must have 1 to %(n)s characters."), code="invalid_comment", n=MAX_LENGTH
        )
    comment = Comment(
        proposal_id=proposal.id,
        author_id=author.id,
        body_md=body,
        body_html=markdown.render(body),
        created_at=now,
    )
    session.add(comment)
    await session.flush()
    return comment


async def thread(session: AsyncSession, proposal_id: int) -> list[Comment]:
    rows = await session.scalars(
        select(Comment).where(Comment.proposal_id == proposal_id).order_by(Comment.id)
    )
    return list(rows.all())
