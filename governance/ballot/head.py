"""Sealing a proposal's ballot log at close: the signed log head.

The head is ``{"proposal": id, "size": n, "root": hex, "result_digest": hex}`` where ``root``
is the RFC 9162 root of the log's leaves and ``result_digest`` the SHA-256 of the stored result's
RFC 8785 canonical JSON. The instance signs the canonical JSON of the head through a
:class:`Signer` (governance knows no keys; the application passes the instance's Ed25519 key).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import merkle
from governance.ballot import log
from governance.db import Base, UTCDateTime
from governance.proposal.model import Proposal


class Signer(Protocol):
    """Signs a log head: an Ed25519 key, named by ``key_id`` and published as ``multibase``."""

    @property
    def key_id(self) -> str: ...

    @property
    def multibase(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class BallotLogHead(Base):
    __tablename__ = "ballot_log_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), unique=True
    )
    size: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))  # hex
    result_digest: Mapped[str] = mapped_column(String(64))  # hex
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)  # base64url, no padding
    key_id: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    public_key_multibase: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def head(self) -> dict[str, Any]:
        return head_document(self.proposal_id, self.size, self.root, self.result_digest)


def head_document(proposal_id: int, size: int, root: str, result_digest: str) -> dict[str, Any]:
    return {"proposal": proposal_id, "size": size, "root": root, "result_digest": result_digest}


def result_digest(result: object) -> str:
    return hashlib.sha256(merkle.canonical_leaf(result)).hexdigest()


def signed_bytes(head: dict[str, Any]) -> bytes:
    """What is signed: the head's RFC 8785 canonical JSON."""
    return merkle.canonical_leaf(head)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def seal(
    session: AsyncSession, proposal: Proposal, signer: Signer | None, *, now: datetime
) -> BallotLogHead:
    """Compute the root over the log, store the head, signed when a signer is given."""
    entries = await log.entries(session, proposal.id)
    root = log.tree(entries).root().hex()
    row = BallotLogHead(
        proposal_id=proposal.id,
        size=len(entries),
        root=root,
        result_digest=result_digest(proposal.result),
        sealed_at=now,
    )
    if signer is not None:
        row.signature = b64url(signer.sign(signed_bytes(row.head())))
        row.key_id = signer.key_id
        row.public_key_multibase = signer.multibase
    session.add(row)
    await session.flush()
    return row


async def head_of(session: AsyncSession, proposal_id: int) -> BallotLogHead | None:
    return await session.scalar(
        select(BallotLogHead).where(BallotLogHead.proposal_id == proposal_id)
    )
