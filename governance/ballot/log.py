"""The verifiable ballot log: every cast ballot appended as a leaf of an RFC 9162 Merkle tree.

The log is append-only. A changed vote appends a new leaf; the last leaf of a voter (roll call)
or of a slot (secret ballot) is the one that counts, and supersedes the earlier ones. Leaves are
JSON objects hashed with :func:`governance.merkle.object_leaf_hash` (SHA-256 of ``0x00`` and
their RFC 8785 canonical form):

* roll call ``{"proposal": id, "kind": "roll_call", "voter": member id, "choice": {...},
  "class": class key, "weight": "decimal", "receipt": receipt digest}``: it names the voter,
  as the roll-call ballot does;
* secret ``{"proposal": id, "kind": "secret", "slot": pseudonymous slot, "choice": {...},
  "class": class key, "weight": "decimal", "receipt": receipt digest}``: only the choice, the
  slot, what the ballot weighs and the receipt's hash.

``class`` and ``weight`` are the voter's membership class and vote weight in the proposal's
frozen electorate: what the tally weighs the ballot with (before class caps, which the rules
carry). Being in the signed leaf, a verifier recounts a weighted tally from signed data alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance import merkle
from governance.db import Base
from governance.errors import Conflict
from governance.i18n import N_
from governance.proposal.model import Proposal, ProposalStatus

KIND_ROLL_CALL = "roll_call"
KIND_SECRET = "secret"  # noqa: S105 (a leaf kind, not a password)


class BallotLogEntry(Base):
    __tablename__ = "ballot_log_entries"
    __table_args__ = (
        UniqueConstraint("proposal_id", "position"),
        # A receipt finds its leaf, and a leaf the later ones of its voter or slot, by index.
        Index("ix_ballot_log_entries_receipt", "proposal_id", "receipt_digest"),
        Index("ix_ballot_log_entries_owner", "proposal_id", "owner", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    leaf_hash: Mapped[str] = mapped_column(String(64))  # hex
    leaf: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Copies of the leaf's "receipt" and of its leaf_key(), to look them up by index.
    receipt_digest: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(80))


def make_leaf(
    proposal_id: int,
    choice: Mapping[str, object],
    receipt_digest: str,
    *,
    class_key: str,
    weight: Decimal,
    voter_id: int | None = None,
    slot: str | None = None,
) -> dict[str, Any]:
    """The leaf of one cast ballot: a secret ballot has a ``slot``, a roll-call one a voter."""
    leaf: dict[str, Any] = {
        "proposal": proposal_id,
        "choice": dict(choice),
        "class": class_key,
        "weight": weight_text(weight),
        "receipt": receipt_digest,
    }
    if slot is not None:
        leaf.update(kind=KIND_SECRET, slot=slot)
    elif voter_id is not None:
        leaf.update(kind=KIND_ROLL_CALL, voter=voter_id)
    else:
        raise ValueError("a ballot log leaf needs a voter or a slot")
    return leaf


def weight_text(weight: Decimal) -> str:
    """A weight as the leaf carries it: plain decimal notation, no exponent, no trailing zero."""
    text = format(weight.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def leaf_key(leaf: Mapping[str, Any]) -> str:
    """Who a leaf belongs to: a later leaf with the same key supersedes it."""
    if leaf.get("kind") == KIND_SECRET:
        return f"slot:{leaf.get('slot')}"
    return f"voter:{leaf.get('voter')}"


def counted(leaves: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The last leaf of each voter or slot, by :func:`leaf_key`, in order of first appearance."""
    last: dict[str, Mapping[str, Any]] = {}
    for leaf in leaves:
        last[leaf_key(leaf)] = leaf
    return last


async def append(
    session: AsyncSession,
    proposal: Proposal,
    choice: Mapping[str, object],
    receipt_digest: str,
    *,
    voter_id: int,
    class_key: str,
    weight: Decimal,
    slot: str | None = None,
) -> BallotLogEntry:
    """Append the leaf of a ballot just cast (``slot`` for a secret ballot)."""
    leaf = make_leaf(
        proposal.id,
        choice,
        receipt_digest,
        class_key=class_key,
        weight=weight,
        voter_id=None if slot else voter_id,
        slot=slot,
    )
    # Serialise appends per proposal: the row lock (PostgreSQL; SQLite writes one at a time)
    # makes the next position race-free among simultaneous casts, and orders them after a
    # close that is committing.
    status = await session.scalar(
        select(Proposal.status).where(Proposal.id == proposal.id).with_for_update()
    )
    if status is not ProposalStatus.OPEN:
        # A close committed while this ballot was being cast: it was counted without it.
        raise Conflict(
            N_("Voting is not open on this proposal (it is %(status)s)."),
            code="voting_closed",
            status=str(getattr(status, "value", status)),
        )
    last = await session.scalar(
        select(func.max(BallotLogEntry.position)).where(BallotLogEntry.proposal_id == proposal.id)
    )
    entry = BallotLogEntry(
        proposal_id=proposal.id,
        position=0 if last is None else last + 1,
        leaf_hash=merkle.object_leaf_hash(leaf).hex(),
        leaf=leaf,
        receipt_digest=receipt_digest,
        owner=leaf_key(leaf),
    )
    session.add(entry)
    await session.flush()
    return entry


async def entries(session: AsyncSession, proposal_id: int) -> list[BallotLogEntry]:
    return list(
        (
            await session.scalars(
                select(BallotLogEntry)
                .where(BallotLogEntry.proposal_id == proposal_id)
                .order_by(BallotLogEntry.position)
            )
        ).all()
    )


async def leaves(session: AsyncSession, proposal_id: int) -> list[dict[str, Any]]:
    """The leaves of a proposal's log in order (only that column: a log can be very long)."""
    return list(
        (
            await session.scalars(
                select(BallotLogEntry.leaf)
                .where(BallotLogEntry.proposal_id == proposal_id)
                .order_by(BallotLogEntry.position)
            )
        ).all()
    )


def tree(log_entries: Sequence[BallotLogEntry]) -> merkle.MerkleLog:
    return merkle.MerkleLog.from_leaf_hashes([bytes.fromhex(e.leaf_hash) for e in log_entries])
