"""Writing to the books: the only code that inserts transactions and postings.

Nothing here updates or deletes a transaction. :func:`record` checks every invariant before it
writes anything, so a refusal leaves the books as they were:

* at least two postings (:class:`SinglePosting`), each to an open account
  (:class:`UnknownAccount`, :class:`ClosedAccount`) in a declared commodity
  (:class:`UndeclaredCommodity`) with no more decimals than its precision
  (:class:`TooManyDecimals`);
* the postings sum to zero in each commodity (:class:`Unbalanced`);
* no member's share holdings fall below zero (:class:`NegativeHoldings`).

Every write first locks the ledger head row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), so two writers never both pass the holdings
check on the same shares, and ``seq`` (the leaf index) has no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.db import dialect_insert
from governance.errors import Conflict, NotFound
from governance.i18n import N_
from governance.ledger import account as accounts
from governance.ledger import balance, commodity, leaf
from governance.ledger.draft import Draft, PostingDraft
from governance.ledger.errors import (
    AlreadyReversed,
    NegativeHoldings,
    PeriodClosed,
    RootAccount,
    SinglePosting,
    Unbalanced,
    UndeclaredCommodity,
)
from governance.ledger.model import Account, Head, Posting, Purpose, Transaction, TxKind

HEAD_ID = 1


_UNKNOWN = object()


@dataclass
class WriteState:
    """What a database transaction that holds the head lock may cache until it ends.

    Every ledger write (recording, closing an account, closing a period) takes the head lock
    first, so while it is held nobody else can change accounts, precisions or periods; the
    cache dies with the database transaction.
    """

    owner: object  # the ORM SessionTransaction it belongs to
    head: Head
    accounts: dict[str, Account] = field(default_factory=dict)
    precisions: dict[str, int] = field(default_factory=dict)
    closed_until: object = _UNKNOWN  # date | None once read


def _state(session: AsyncSession) -> WriteState | None:
    found = session.info.get(_STATE_KEY)
    if isinstance(found, WriteState) and found.owner is session.sync_session.get_transaction():
        return found
    return None


_STATE_KEY = "governance.ledger.write_state"


async def lock_head(session: AsyncSession) -> Head:
    """The head row, locked until the transaction ends (created on first use)."""
    state = _state(session)
    if state is not None:
        return state.head
    head = await session.scalar(select(Head).where(Head.id == HEAD_ID).with_for_update())
    if head is None:
        await session.execute(
            dialect_insert(session, Head.__table__)
            .values(id=HEAD_ID, size=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = await session.scalar(
            select(Head)
            .where(Head.id == HEAD_ID)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if head is None:  # pragma: no cover - the insert above guarantees a row
        raise RuntimeError("ledger head row missing")
    session.info[_STATE_KEY] = WriteState(session.sync_session.get_transaction(), head)
    return head


def forget_write_state(session: AsyncSession) -> None:
    """Drop the cache after a rollback to a savepoint: what it holds may be undone (the next
    write locks the head again)."""
    session.info.pop(_STATE_KEY, None)


def write_state(session: AsyncSession) -> WriteState:
    """The cache of the transaction holding the head lock (call :func:`lock_head` first)."""
    state = _state(session)
    if state is None:
        raise RuntimeError("lock the ledger head before writing")
    return state


async def size(session: AsyncSession) -> int:
    return int(await session.scalar(select(Head.size).where(Head.id == HEAD_ID)) or 0)


@dataclass(frozen=True)
class Checked:
    """A draft whose postings passed every invariant, with their accounts resolved."""

    draft: Draft
    lines: tuple[tuple[Account, PostingDraft], ...]


async def check(
    session: AsyncSession,
    draft: Draft,
    *,
    allow_empty: bool = False,
    pending: dict[int, Decimal] | None = None,
) -> Checked:
    """Every invariant of :mod:`governance.ledger.journal` on ``draft``; raises the first."""
    if len(draft.postings) < 2 and not (allow_empty and not draft.postings):
        raise SinglePosting()
    state = _state(session)
    cache: dict[str, Account] = state.accounts if state else {}
    precisions: dict[str, int] = state.precisions if state else {}
    sums: dict[str, Decimal] = defaultdict(Decimal)
    lines = []
    for p in draft.postings:
        found = cache.get(p.account)
        if found is None:
            found = cache[p.account] = await accounts.require_open(session, p.account)
            if found.parent_id is None:
                raise RootAccount(p.account)
        if p.commodity not in precisions:
            declared = await commodity.get(session, p.commodity)
            if declared is None:
                raise UndeclaredCommodity(p.commodity)
            precisions[p.commodity] = declared.precision
        commodity.check_precision(p.amount, p.commodity, precisions[p.commodity])
        sums[p.commodity] += p.amount
        lines.append((found, p))
    for code, total in sorted(sums.items()):
        if total != 0:
            raise Unbalanced(code, commodity.plain(total))
    await _check_holdings(session, lines, pending)
    await _check_period_open(session, draft.day)
    return Checked(draft, tuple(lines))


async def _check_holdings(
    session: AsyncSession,
    lines: Sequence[tuple[Account, PostingDraft]],
    pending: dict[int, Decimal] | None = None,
) -> None:
    """``pending``: holdings moved by a batch not yet inserted (see :func:`record_many`)."""
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    for found, p in lines:
        if found.purpose is Purpose.SHARE_HOLDINGS and p.commodity == commodity.SHARES:
            deltas[found.id] += p.amount
            names[found.id] = found.name
    for account_id, delta in deltas.items():
        earlier = pending.get(account_id, Decimal(0)) if pending is not None else Decimal(0)
        if delta < 0:
            stored = await balance.of_account_in(session, account_id, commodity.SHARES)
            after = stored + earlier + delta
            if after < 0:
                raise NegativeHoldings(names[account_id], commodity.plain(after))
    if pending is not None:
        for account_id, delta in deltas.items():
            pending[account_id] = pending.get(account_id, Decimal(0)) + delta


async def _check_period_open(session: AsyncSession, day: date) -> None:
    from governance.ledger import period  # period records through this module

    state = _state(session)
    if state is not None and state.closed_until is not _UNKNOWN:
        closed_until = state.closed_until
    else:
        closed_until = await period.last_end(session)
        if state is not None:
            state.closed_until = closed_until
    if isinstance(closed_until, date) and closed_until is not None and day <= closed_until:
        raise PeriodClosed(day.isoformat(), closed_until.isoformat())


async def record(
    session: AsyncSession,
    draft: Draft,
    *,
    by: int | None,
    now: datetime,
    kind: TxKind = TxKind.ENTRY,
    data: Mapping[str, Any] | None = None,
    reverses: Transaction | None = None,
    allow_empty: bool = False,
) -> Transaction:
    """Check ``draft`` and append it to the books and the log; returns the new transaction.

    The caller commits. ``allow_empty`` is for records with no postings (a period close).
    """
    head = await lock_head(session)
    checked = await check(session, draft, allow_empty=allow_empty)
    return await _append(
        session, head, checked, by=by, now=now, kind=kind, data=data or {}, reverses=reverses
    )


async def record_many(
    session: AsyncSession, drafts: Sequence[Draft], *, by: int | None, now: datetime
) -> list[int]:
    """Check and append ordinary entries in order, all or nothing; returns their ``seq``.

    The same invariants as :func:`record` (holdings moved by earlier drafts of the batch
    count), then two multi-row inserts, for imports and batches. Nothing is written when a
    draft is refused; the caller commits.
    """
    head = await lock_head(session)
    pending: dict[int, Decimal] = {}
    checked = [await check(session, d, pending=pending) for d in drafts]
    if not checked:
        return []
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for n, c in enumerate(checked):
        seq = head.size + n
        doc = leaf.document(
            seq=seq,
            kind=TxKind.ENTRY.value,
            day=c.draft.day,
            description=c.draft.description,
            recorded_at=now,
            recorded_by=by,
            reverses=None,
            postings=[(a.name, p.commodity, p.amount) for a, p in c.lines],
            data={},
        )
        rows.append(
            {
                "seq": seq,
                "kind": TxKind.ENTRY,
                "date": c.draft.day,
                "description": c.draft.description,
                "recorded_at": now,
                "recorded_by_id": by,
                "reverses_id": None,
                "data": {},
                "leaf_hash": leaf.leaf_hash(doc),
            }
        )
    transactions = cast(Table, Transaction.__table__)
    postings = cast(Table, Posting.__table__)
    ids = (
        await session.execute(
            insert(transactions).returning(transactions.c.id, sort_by_parameter_order=True),
            rows,
        )
    ).scalars().all()
    for tx_id, c in zip(ids, checked, strict=True):
        lines.extend(
            {
                "transaction_id": tx_id,
                "position": i,
                "account_id": a.id,
                "commodity": p.commodity,
                "amount": p.amount,
            }
            for i, (a, p) in enumerate(c.lines)
        )
    await session.execute(insert(postings), lines)
    head.size += len(checked)  # the head moves once per batch
    await session.flush()
    return [head.size - len(checked) + n for n in range(len(checked))]


async def _append(
    session: AsyncSession,
    head: Head,
    checked: Checked,
    *,
    by: int | None,
    now: datetime,
    kind: TxKind,
    data: Mapping[str, Any],
    reverses: Transaction | None,
) -> Transaction:
    draft = checked.draft
    seq = head.size
    doc = leaf.document(
        seq=seq,
        kind=kind.value,
        day=draft.day,
        description=draft.description,
        recorded_at=now,
        recorded_by=by,
        reverses=reverses.seq if reverses else None,
        postings=[(a.name, p.commodity, p.amount) for a, p in checked.lines],
        data=data,
    )
    tx = Transaction(
        seq=seq,
        kind=kind,
        date=draft.day,
        description=draft.description,
        recorded_at=now,
        recorded_by_id=by,
        reverses_id=reverses.id if reverses else None,
        data=dict(data),
        leaf_hash=leaf.leaf_hash(doc),
    )
    head.size = seq + 1
    session.add(tx)
    await session.flush()
    if checked.lines:
        await session.execute(
            insert(Posting),
            [
                {
                    "transaction_id": tx.id,
                    "position": i,
                    "account_id": a.id,
                    "commodity": p.commodity,
                    "amount": p.amount,
                }
                for i, (a, p) in enumerate(checked.lines)
            ],
        )
    if kind is TxKind.PERIOD_CLOSE:
        write_state(session).closed_until = draft.day
    return tx


async def get(session: AsyncSession, seq: int) -> Transaction:
    found = await session.scalar(select(Transaction).where(Transaction.seq == seq))
    if found is None:
        raise NotFound(
            N_("There is no transaction number %(seq)s."), code="ledger_no_transaction", seq=seq
        )
    return found


@dataclass(frozen=True)
class PostingLine:
    account: str
    account_id: int
    commodity: str
    amount: Decimal


async def postings_of(session: AsyncSession, tx_ids: Sequence[int]) -> dict[int, list[PostingLine]]:
    """The postings of these transactions, in order, by transaction id."""
    found: dict[int, list[PostingLine]] = {i: [] for i in tx_ids}
    if not tx_ids:
        return found
    rows = await session.execute(
        select(Posting.transaction_id, Account.name, Account.id, Posting.commodity, Posting.amount)
        .join(Account, Account.id == Posting.account_id)
        .where(Posting.transaction_id.in_(tx_ids))
        .order_by(Posting.transaction_id, Posting.position)
    )
    for tx_id, name, account_id, code, amount in rows:
        found[tx_id].append(PostingLine(name, account_id, code, amount))
    return found


async def reverse(
    session: AsyncSession,
    seq: int,
    *,
    by: int | None,
    now: datetime,
    day: date | None = None,
    description: str | None = None,
) -> Transaction:
    """A new transaction with every posting of transaction ``seq`` negated, linked to it."""
    head = await lock_head(session)
    original = await get(session, seq)
    already = await session.scalar(
        select(Transaction.seq).where(Transaction.reverses_id == original.id)
    )
    if already is not None:
        raise AlreadyReversed(seq)
    if original.kind in (TxKind.PERIOD_CLOSE, TxKind.RESULT_CLOSE):
        raise Conflict(
            N_("Transaction %(seq)s closes a period; it cannot be reversed."),
            code="ledger_not_reversible",
            seq=seq,
        )
    lines = (await postings_of(session, [original.id]))[original.id]
    draft = Draft(
        day=day or now.date(),
        description=description or f"Reversal of transaction {seq}: {original.description}"[:500],
        postings=tuple(PostingDraft(p.account, p.commodity, -p.amount) for p in lines),
    )
    checked = await check(session, draft)
    return await _append(
        session,
        head,
        checked,
        by=by,
        now=now,
        kind=TxKind.REVERSAL,
        data={"reverses": seq},
        reverses=original,
    )


async def page(
    session: AsyncSession,
    *,
    before: int | None = None,
    limit: int = 50,
    account_id: int | None = None,
) -> list[Transaction]:
    """Transactions newest first; ``before`` a seq to page back from; optionally one account's."""
    query = select(Transaction).order_by(Transaction.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(Transaction.seq < before)
    if account_id is not None:
        query = query.where(
            Transaction.id.in_(
                select(Posting.transaction_id).where(Posting.account_id == account_id)
            )
        )
    return list((await session.scalars(query)).all())
