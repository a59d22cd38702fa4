"""Recomputing the books and the log from the rows, without trusting anything stored.

:func:`verify` walks every transaction in log order and, stopping at the first problem:

1. its ``seq`` is the next index of the log;
2. its leaf, rebuilt from its row and postings, hashes to the stored ``leaf_hash``;
3. it has two postings or more (a period close none), in declared commodities, within their
   precision, summing to zero per commodity;
4. no member's share holdings fall below zero;
5. a period close's sealed balances are the balances recomputed from the rows before it;

then rebuilds the Merkle tree from the *recomputed* leaf hashes and checks every checkpoint:
its root must be the tree's root at its size, and its signature must verify with one of the
instance's keys (the :data:`SignatureCheck` port; governance holds no crypto keys).

An edit made directly in SQL to a transaction or posting changes the rebuilt leaf, so it shows
at step 2 (or, when the stored hash was rewritten too, at the first checkpoint covering it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import merkle
from governance.ballot.head import b64url_decode
from governance.ledger import checkpoint as checkpoints
from governance.ledger import leaf
from governance.ledger.commodity import SHARES, decimals, plain
from governance.ledger.model import (
    Account,
    Checkpoint,
    Commodity,
    Head,
    Posting,
    Purpose,
    Transaction,
    TxKind,
)
from governance.ledger.period import sealed_balances

#: ``check(public_key_multibase, message, signature) -> bool``
SignatureCheck = Callable[[str, bytes, bytes], bool]


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the first bad transaction, when one can be named
    message: str


@dataclass(frozen=True)
class VerifyReport:
    size: int
    checkpoints: int
    signed_checkpoints: int
    totals: dict[str, Decimal] = field(default_factory=dict)
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def verify(
    session: AsyncSession,
    *,
    check_signature: SignatureCheck | None = None,
    trusted_keys: Collection[str] = (),
) -> VerifyReport:
    """Check the whole ledger; the report's ``problem`` names the first discrepancy."""
    precisions = {c: p for c, p in (await session.execute(select(Commodity.code, Commodity.precision))).all()}
    accounts = {
        row.id: row
        for row in (await session.execute(select(Account.id, Account.name, Account.purpose))).all()
    }
    names = {i: row.name for i, row in accounts.items()}
    holdings_ids = {i for i, row in accounts.items() if row.purpose is Purpose.SHARE_HOLDINGS}
    postings: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for tx_id, account_id, code, amount in await session.execute(
        select(
            Posting.transaction_id, Posting.account_id, Posting.commodity, Posting.amount
        ).order_by(Posting.transaction_id, Posting.position)
    ):
        postings[tx_id].append((account_id, code, amount))
    rows = (
        await session.execute(
            select(
                Transaction.id,
                Transaction.seq,
                Transaction.kind,
                Transaction.date,
                Transaction.description,
                Transaction.recorded_at,
                Transaction.recorded_by_id,
                Transaction.reverses_id,
                # As text: most transactions carry "{}", which then needs no JSON decoding.
                cast(Transaction.data, Text).label("data"),
                Transaction.leaf_hash,
            ).order_by(Transaction.seq)
        )
    ).all()
    seq_of = {r.id: r.seq for r in rows}
    hashes: list[bytes] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    held: dict[int, Decimal] = defaultdict(Decimal)
    dated: list[tuple[date, list[tuple[int, str, Decimal]]]] = []
    problem: Problem | None = None

    def fail(seq: int | None, message: str) -> VerifyReport:
        return VerifyReport(len(rows), 0, 0, dict(totals), Problem(seq, message))

    for index, r in enumerate(rows):
        if r.seq != index:
            return fail(r.seq, f"transaction {r.seq} is at log position {index}")
        lines = postings.get(r.id, [])
        try:
            data = {} if r.data in (None, "{}") else json.loads(r.data)
            doc = leaf.document(
                seq=r.seq,
                kind=r.kind.value,
                day=r.date,
                description=r.description,
                recorded_at=r.recorded_at,
                recorded_by=r.recorded_by_id,
                reverses=seq_of.get(r.reverses_id) if r.reverses_id is not None else None,
                postings=[(names.get(a, f"#{a}"), c, amt) for a, c, amt in lines],
                data=data,
            )
            rebuilt = merkle.leaf_hash(leaf.canonical(doc))
        except (merkle.CanonicalizationError, ValueError, TypeError) as exc:
            return fail(r.seq, f"transaction {r.seq} cannot be serialised: {exc}")
        if rebuilt.hex() != r.leaf_hash:
            return fail(
                r.seq, f"transaction {r.seq} does not match its leaf hash: a row was changed"
            )
        hashes.append(rebuilt)
        is_close = r.kind is TxKind.PERIOD_CLOSE
        if len(lines) < 2 and not (is_close and not lines):
            return fail(r.seq, f"transaction {r.seq} has fewer than two postings")
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for account_id, code, amount in lines:
            if code not in precisions:
                return fail(r.seq, f"transaction {r.seq} uses undeclared commodity {code}")
            exponent = amount.as_tuple().exponent
            if (
                isinstance(exponent, int)
                and exponent < -precisions[code]
                and decimals(amount) > precisions[code]
            ):
                return fail(
                    r.seq, f"transaction {r.seq} has {plain(amount)} {code}: too many decimals"
                )
            sums[code] += amount
            totals[code] += amount
            if account_id in holdings_ids and code == SHARES:
                held[account_id] += amount
                if held[account_id] < 0:
                    return fail(
                        r.seq,
                        f"transaction {r.seq} leaves {names[account_id]} with "
                        f"{plain(held[account_id])} shares",
                    )
        unbalanced = [c for c, s in sums.items() if s != 0]
        if unbalanced:
            return fail(r.seq, f"transaction {r.seq} does not balance in {unbalanced[0]}")
        if is_close:
            end = date.fromisoformat(str(data.get("period_end")))
            own: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
            for day, earlier in dated:
                if day <= end:
                    for account_id, code, amount in earlier:
                        own[account_id][code] += amount
            expected = sealed_balances({k: dict(v) for k, v in own.items()}, names)
            if expected != data.get("balances"):
                return fail(r.seq, f"period close {r.seq} does not match the balances before it")
        dated.append((r.date, lines))

    head_size = await session.scalar(select(Head.size)) or 0
    if rows and head_size != len(rows):
        problem = Problem(None, f"the ledger head says {head_size} transactions, found {len(rows)}")
    tree = merkle.MerkleLog.from_leaf_hashes(hashes)
    signed = 0
    all_checkpoints = await checkpoints.all_checkpoints(session)
    covered = 0
    for cp in all_checkpoints:
        if problem is not None:
            break
        if cp.size > tree.size:
            problem = Problem(
                None,
                f"checkpoint {cp.id} covers {cp.size} transactions, the "
                f"log has {tree.size}: transactions were deleted",
            )
        elif tree.root(cp.size).hex() != cp.root:
            first = covered
            problem = Problem(
                first,
                f"checkpoint {cp.id} (size {cp.size}) does not match the "
                f"log: a transaction from {first} to {cp.size - 1} was changed",
            )
        elif cp.signature is not None:
            if check_signature is None:
                continue
            key = cp.public_key_multibase or ""
            if trusted_keys and key not in trusted_keys:
                problem = Problem(
                    None, f"checkpoint {cp.id} is signed by a key that is not the instance's"
                )
            elif not _signature_ok(check_signature, key, cp):
                problem = Problem(None, f"checkpoint {cp.id} has an invalid signature")
            else:
                signed += 1
        if problem is None:
            covered = max(covered, cp.size)
    return VerifyReport(
        size=len(rows),
        checkpoints=len(all_checkpoints),
        signed_checkpoints=signed,
        totals={c: t for c, t in sorted(totals.items())},
        problem=problem,
    )


def _signature_ok(check: SignatureCheck, key: str, cp: Checkpoint) -> bool:
    try:
        signature = b64url_decode(cp.signature or "")
    except ValueError:
        return False
    return check(key, checkpoints.signed_bytes(cp), signature)
