"""Ballot tables.

Roll-call ballots name their voter. Secret ballots are stored apart from who voted: a
``secret_ballots`` row holds only the choice, the voter's class and weight (needed to weigh
it), a pseudonymous slot and a receipt digest, with no timestamp and a random key; the
``voter_records`` row says who has voted (for turnout and to prevent double votes). The slot
is an HMAC of the voter id under a per-proposal key that is erased when the proposal closes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, ExactDecimal, UTCDateTime


class RollCallBallot(Base):
    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    choice: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    receipt_digest: Mapped[str] = mapped_column(String(64), index=True)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SecretBallot(Base):
    __tablename__ = "secret_ballots"
    __table_args__ = (UniqueConstraint("proposal_id", "slot"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(64))
    class_key: Mapped[str] = mapped_column(String(40))
    weight: Mapped[Decimal] = mapped_column(ExactDecimal)
    choice: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    receipt_digest: Mapped[str] = mapped_column(String(64), index=True)
    via_proxy: Mapped[bool] = mapped_column(default=False)


class VoterRecord(Base):
    """That a member voted on a secret proposal (and who cast it), never what they chose."""

    __tablename__ = "voter_records"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
