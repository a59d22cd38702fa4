"""Signed checkpoints of the ledger's Merkle log, and the proofs partners check against them.

A checkpoint is ``{"log": "coopfed-ledger/1", "size": n, "root": hex, "time": ISO 8601}``;
the instance signs its RFC 8785 canonical JSON with its Ed25519 key through the
:class:`~governance.ballot.head.Signer` port. :func:`publish` adds one whenever the log has grown
since the last; the worker calls it after each batch of writes, and so do the CLI and the API
after theirs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import merkle
from governance.ballot.head import Signer, b64url
from governance.errors import InvalidInput, NotFound
from governance.i18n import N_
from governance.ledger import journal
from governance.ledger.leaf import LOG_NAME
from governance.ledger.model import Checkpoint, Transaction


def document(size: int, root: str, time: datetime) -> dict[str, Any]:
    return {"log": LOG_NAME, "size": size, "root": root, "time": time.astimezone(UTC).isoformat()}


def signed_bytes(row: Checkpoint) -> bytes:
    return merkle.canonical_leaf(document(row.size, row.root, row.signed_at))


async def leaf_hashes(session: AsyncSession, *, start: int = 0) -> list[bytes]:
    """The stored leaf hashes in log order, from ``start``."""
    rows = await session.scalars(
        select(Transaction.leaf_hash).where(Transaction.seq >= start).order_by(Transaction.seq)
    )
    return [bytes.fromhex(h) for h in rows]


class TreeCache:
    """The log's Merkle tree kept in memory and extended with new leaves on each use.

    One per process (the application keeps one); proofs then cost O(log n) hashes instead of
    a read of every leaf.
    """

    def __init__(self) -> None:
        self._log = merkle.MerkleLog()
        self._lock = asyncio.Lock()  # two requests must not append the same leaves twice

    async def tree(self, session: AsyncSession) -> merkle.MerkleLog:
        async with self._lock:
            stored = await journal.size(session)
            if stored < self._log.size:  # the database was replaced (a restore, a test reset)
                self._log = merkle.MerkleLog()
            if stored > self._log.size:
                self._log.extend(await leaf_hashes(session, start=self._log.size))
            return self._log


async def tree(session: AsyncSession) -> merkle.MerkleLog:
    return merkle.MerkleLog.from_leaf_hashes(await leaf_hashes(session))


async def latest(session: AsyncSession) -> Checkpoint | None:
    return await session.scalar(
        select(Checkpoint).order_by(Checkpoint.size.desc(), Checkpoint.id.desc()).limit(1)
    )


async def all_checkpoints(session: AsyncSession) -> list[Checkpoint]:
    return list((await session.scalars(select(Checkpoint).order_by(Checkpoint.id))).all())


async def publish(
    session: AsyncSession,
    signer: Signer | None,
    *,
    now: datetime,
    cache: TreeCache | None = None,
) -> Checkpoint | None:
    """Sign a checkpoint of the log as it is, unless the latest one already covers it."""
    await journal.lock_head(session)
    log = await cache.tree(session) if cache else await tree(session)
    last = await latest(session)
    if log.size == 0 or (last is not None and last.size >= log.size):
        return None
    row = Checkpoint(size=log.size, root=log.root().hex(), signed_at=now)
    if signer is not None:
        row.signature = b64url(signer.sign(signed_bytes(row)))
        row.key_id = signer.key_id
        row.public_key_multibase = signer.multibase
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: str
    root: str
    path: list[str]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str]


def _check_size(size: int, log: merkle.MerkleLog, what: str) -> None:
    if not 0 < size <= log.size:
        raise InvalidInput(
            N_("%(what)s must be a log size from 1 to %(size)s."),
            code="ledger_bad_tree_size",
            what=what,
            size=log.size,
        )


def inclusion(log: merkle.MerkleLog, seq: int, tree_size: int | None = None) -> InclusionProof:
    """Proof that transaction ``seq`` is in the log of ``tree_size`` leaves (default: all)."""
    size = log.size if tree_size is None else tree_size
    _check_size(size, log, "tree_size")
    if not 0 <= seq < size:
        raise NotFound(
            N_("There is no transaction number %(seq)s in a log of %(size)s."),
            code="ledger_no_transaction",
            seq=seq,
            size=size,
        )
    return InclusionProof(
        seq=seq,
        tree_size=size,
        leaf_hash=log.leaf_hash(seq).hex(),
        root=log.root(size).hex(),
        path=[h.hex() for h in log.proof_for(seq, size)],
    )


def consistency(log: merkle.MerkleLog, first: int, second: int) -> ConsistencyProof:
    """Proof that the log of ``second`` leaves extends the log of ``first`` leaves."""
    _check_size(second, log, "to")
    _check_size(first, log, "from")
    if first > second:
        raise InvalidInput(N_("'from' must not be larger than 'to'."), code="ledger_bad_tree_size")
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=log.root(first).hex(),
        second_root=log.root(second).hex(),
        path=[h.hex() for h in log.consistency(first, second)],
    )
