"""Delivery tables: one row per (outbox activity, recipient inbox), and per-host state.

A ``Delivery`` is ``pending`` until a worker gets a 2xx (``delivered``), gives up (``failed``,
final: a 4xx other than 408/429, or the retry window ran out) or an admin cancels it
(``cancelled``). ``claimed_until`` is a lease: a worker that crashes mid-send leaves its claim
to expire, and another worker picks the row up again.

A ``DeliveryHost`` holds what the queue learnt about one remote host: its consecutive
failures and circuit breaker (``paused_until``), and which signature scheme it accepted.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.models import string_enum
from governance.db import Base, UTCDateTime


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # final: the queue gave up
    CANCELLED = "cancelled"


class Delivery(Base):
    """One activity to POST to one inbox."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_id", "inbox_url"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed through the unique (outbox_id, inbox_url) constraint.
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_activities.id", ondelete="CASCADE"))
    inbox_url: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), index=True)  # lowercased host[:port]
    status: Mapped[DeliveryStatus] = mapped_column(
        string_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # HTTP status
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SignatureScheme(enum.StrEnum):
    RFC9421 = "rfc9421"
    CAVAGE = "cavage"


class DeliveryHost(Base):
    """What the delivery queue knows about one remote host (lowercased ``host[:port]``)."""

    __tablename__ = "delivery_hosts"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The scheme the host last accepted; None until one was accepted (RFC 9421 is tried first).
    signature_scheme: Mapped[SignatureScheme | None] = mapped_column(
        string_enum(SignatureScheme), nullable=True
    )
