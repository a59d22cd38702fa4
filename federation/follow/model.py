"""Follow tables.

``Follower``: a remote actor following a local actor (``local_actor`` is the local actor's
name, e.g. ``"coop"``); its inboxes are where the delivery queue sends what that actor
publishes. ``Following``: a local actor following a remote one, keyed by the id of the
``Follow`` activity we sent so the remote ``Accept``/``Reject`` can find it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.models import string_enum
from governance.db import Base, UTCDateTime


class FollowState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Follower(Base):
    """A remote actor that asked to follow a local actor."""

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("local_actor", "actor_uri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor: Mapped[str] = mapped_column(String(64))
    actor_uri: Mapped[str] = mapped_column(String(2048))
    inbox_url: Mapped[str] = mapped_column(String(2048), index=True)
    shared_inbox_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    follow_activity_id: Mapped[str] = mapped_column(String(2048))
    state: Mapped[FollowState] = mapped_column(
        string_enum(FollowState), default=FollowState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Following(Base):
    """A remote actor a local actor follows (or asked to)."""

    __tablename__ = "following"
    __table_args__ = (UniqueConstraint("local_actor", "actor_uri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_actor: Mapped[str] = mapped_column(String(64))
    actor_uri: Mapped[str] = mapped_column(String(2048))
    handle: Mapped[str | None] = mapped_column(String(500), nullable=True)  # "@coop@host"
    follow_activity_id: Mapped[str] = mapped_column(String(2048), unique=True)
    state: Mapped[FollowState] = mapped_column(
        string_enum(FollowState), default=FollowState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
