"""Proposal tables: the proposal, its options, and the electorate frozen when it opens."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, ExactDecimal, UTCDateTime


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"  # voting ended; the result is being counted (or counting failed)
    PASSED = "passed"
    REJECTED = "rejected"  # also: a tie among options, which decides nothing
    NO_QUORUM = "no_quorum"
    WITHDRAWN = "withdrawn"


FINAL_STATUSES = frozenset(
    {ProposalStatus.PASSED, ProposalStatus.REJECTED, ProposalStatus.NO_QUORUM}
)
EDITABLE_STATUSES = frozenset({ProposalStatus.DRAFT, ProposalStatus.SCHEDULED})


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(
            ProposalStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        index=True,
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The kind's rules as they stood when the proposal was scheduled: later bylaws changes do
    # not change the rules of a vote already announced.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bylaws_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Kind-specific subject: the applicant to admit, the proposed bylaws document.
    subject_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    proposed_bylaws: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Other kinds' frozen inputs, e.g. a surplus allocation's figures and policy.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # What enacting did on pass: {"ok": true, ...} or {"ok": false, "code", "message", ...}
    # when the effect was refused (the proposal stays passed, nothing of the effect is kept).
    enactment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    outcome_statement: Mapped[str] = mapped_column(Text, default="")
    outcome_html: Mapped[str] = mapped_column(Text, default="")
    closing_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-proposal secret linking a secret-ballot voter to their slot; erased at close, after
    # which no one can link a secret ballot to a voter.
    slot_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)


class ProposalOption(Base):
    __tablename__ = "proposal_options"
    __table_args__ = (UniqueConstraint("proposal_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(16))  # stable id used in ballots: "o1", "o2" …
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))


class ElectorateEntry(Base):
    """Who may vote on an open proposal, with what class and weight (frozen at opening)."""

    __tablename__ = "proposal_electorate"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    class_key: Mapped[str] = mapped_column(String(40))  # class slug, or "-" for no class
    weight: Mapped[Decimal] = mapped_column(ExactDecimal)
