"""Remote objects received from partners (``Question``, ``Note`` ...), newest version kept.

``payload`` is the object as last received; an ``Update`` replaces it and sets
``updated_at``; a ``Delete`` sets ``deleted`` (the row stays so a late ``Create`` replay
cannot bring it back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, UTCDateTime


class RemoteObject(Base):
    """An object a remote actor published, as this instance last received it."""

    __tablename__ = "remote_objects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    object_type: Mapped[str] = mapped_column(String(64))
    actor_uri: Mapped[str] = mapped_column(String(2048), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
