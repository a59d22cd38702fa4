"""Federation tables: remote actors and their keys, host policies, the inbox and the outbox.

Delivery rows (one per recipient inbox) live in ``federation.delivery.model``; follows in
``federation.follow.model``; what partners publish in ``federation.feed.model``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, UTCDateTime


def string_enum(kind: type[enum.StrEnum], length: int = 16) -> Enum:
    """A column type storing a ``StrEnum`` by value, as a short string (no native enum)."""
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class RemoteActor(Base):
    """A cached copy of a remote actor document and its keys."""

    __tablename__ = "remote_actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    actor_type: Mapped[str] = mapped_column(String(32))
    preferred_username: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(500), default="")
    inbox: Mapped[str] = mapped_column(String(2048))
    shared_inbox: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RemoteKey(Base):
    """A public key published by a remote actor (``publicKey`` or an ``assertionMethod``)."""

    __tablename__ = "remote_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    owner: Mapped[str] = mapped_column(String(2048))
    public_key_pem: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HostRule(enum.StrEnum):
    BLOCK = "block"
    ALLOW = "allow"


class HostPolicy(Base):
    """An admin's rule for a remote host: blocked, or allowed (used in allow-list mode)."""

    __tablename__ = "host_policies"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    rule: Mapped[HostRule] = mapped_column(string_enum(HostRule))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )


class FederationMode(enum.StrEnum):
    OPEN = "open"  # federate with every host not blocked
    ALLOWLIST = "allowlist"  # federate only with allowed hosts


class FederationConfig(Base):
    """One row (id 1): the instance's federation switches, changed by admins."""

    __tablename__ = "federation_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[FederationMode] = mapped_column(
        string_enum(FederationMode), default=FederationMode.OPEN
    )
    require_signed_fetch: Mapped[bool] = mapped_column(Boolean, default=False)
    # Follow requests from remote co-ops are accepted at once, or wait for an admin.
    auto_accept_follows: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class InboxItem(Base):
    """A verified incoming activity, stored before it is processed; never dropped silently."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(2048), unique=True)
    activity_type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(2048), index=True)
    recipient: Mapped[str | None] = mapped_column(
        String(255), nullable=True
    )  # local actor or shared
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(2048))
    signature_scheme: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[InboxStatus] = mapped_column(
        string_enum(InboxStatus), default=InboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxActivity(Base):
    """An activity this instance published (the delivery queue fans it out)."""

    __tablename__ = "outbox_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(2048), unique=True)
    actor: Mapped[str] = mapped_column(
        String(64), index=True
    )  # local actor key: "instance", "member:7"
    activity_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
