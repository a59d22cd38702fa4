"""A voter's receipt as an RFC 9162 inclusion proof: the ballot's leaf is in the proposal's log.

The receipt code is known only to the voter; the log leaf carries its SHA-256. Given the code,
:func:`prove_receipt` finds the leaf and the audit path from it to the log's root:

* after close, the root is the one in the signed log head (``head`` is set): the proof shows
  the ballot is in the log the instance signed, and so in the audit export anyone can recount;
* before close there is no signed head yet: the proof is against the log as it stands now
  (``head`` is ``None``); it shows the ballot was logged, but the instance has not yet
  committed to that log with its signature.

Only the current receipt of a voter proves a counted ballot: a changed vote gets a new code, and
the earlier leaf, still in the log, is superseded (``counted`` is then false).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import merkle, token
from governance.ballot import head as ballot_head
from governance.ballot import log as ballot_log
from governance.ballot.log import BallotLogEntry


@dataclass(frozen=True)
class ReceiptProof:
    """Leaf ``leaf_index`` of a log of ``tree_size`` leaves, and its audit path (hex hashes,
    deepest sibling first, as RFC 9162 §2.1.3.1 lists them) to ``root``."""

    leaf_index: int
    leaf: dict[str, Any]
    leaf_hash: str
    tree_size: int
    root: str
    path: tuple[str, ...]
    counted: bool
    head: ballot_head.BallotLogHead | None

    @property
    def signed(self) -> bool:
        return self.head is not None and bool(self.head.signature)

    def check(self) -> bool:
        """Recompute the leaf hash from the leaf and the root from the path; both must match."""
        if merkle.object_leaf_hash(self.leaf).hex() != self.leaf_hash:
            return False
        return merkle.verify_inclusion(
            bytes.fromhex(self.leaf_hash),
            self.leaf_index,
            self.tree_size,
            [bytes.fromhex(item) for item in self.path],
            bytes.fromhex(self.root),
        )


async def prove_receipt(
    session: AsyncSession, proposal_id: int, receipt: str
) -> ReceiptProof | None:
    """The inclusion proof of the ballot with this receipt code, or ``None`` if no leaf of the
    proposal's log carries it."""
    digest = token.digest(receipt.strip())
    entry = await session.scalar(
        select(BallotLogEntry)
        .where(
            BallotLogEntry.proposal_id == proposal_id,
            BallotLogEntry.receipt_digest == digest,
        )
        .order_by(BallotLogEntry.position)
        .limit(1)
    )
    if entry is None:
        return None
    hashes = [
        bytes.fromhex(value)
        for value in (
            await session.scalars(
                select(BallotLogEntry.leaf_hash)
                .where(BallotLogEntry.proposal_id == proposal_id)
                .order_by(BallotLogEntry.position)
            )
        ).all()
    ]
    head = await ballot_head.head_of(session, proposal_id)
    size = head.size if head is not None else len(hashes)
    if entry.position >= size:  # cannot happen: nothing is appended after the head is sealed
        return None
    tree = merkle.MerkleLog.from_leaf_hashes(hashes[:size])
    counted = entry.position < size and not await _superseded(session, entry, size)
    return ReceiptProof(
        leaf_index=entry.position,
        leaf=dict(entry.leaf),
        leaf_hash=entry.leaf_hash,
        tree_size=size,
        root=head.root if head is not None else tree.root().hex(),
        path=tuple(item.hex() for item in tree.proof_for(entry.position, size)),
        counted=counted,
        head=head,
    )


async def _superseded(session: AsyncSession, entry: BallotLogEntry, size: int) -> bool:
    """Whether a later leaf (within the first ``size``) of the same voter or slot exists."""
    later = await session.scalar(
        select(BallotLogEntry.id)
        .where(
            BallotLogEntry.proposal_id == entry.proposal_id,
            BallotLogEntry.owner == ballot_log.leaf_key(entry.leaf),
            BallotLogEntry.position > entry.position,
            BallotLogEntry.position < size,
        )
        .limit(1)
    )
    return later is not None
