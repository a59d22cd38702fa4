"""Exports of the books: CSV (one row per posting), JSON (everything, with the log) and
Beancount text that ``bean-check`` accepts.

Account names and commodity codes are already in Beancount's syntax (see
:mod:`governance.ledger.account` and :mod:`governance.ledger.commodity`), so the Beancount export
renames nothing. A period close, which has no postings, becomes an ``event`` directive.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import instance
from governance.errors import InvalidInput
from governance.i18n import N_
from governance.ledger import books
from governance.ledger import checkpoint as checkpoints
from governance.ledger.commodity import plain
from governance.ledger.model import Account, Commodity, Posting, Transaction, TxKind

FORMATS = ("csv", "json", "beancount")
CSV_HEADER = (
    "seq",
    "date",
    "kind",
    "description",
    "reverses",
    "account",
    "commodity",
    "amount",
)


@dataclass(frozen=True)
class Line:
    account: str
    commodity: str
    amount: Decimal


@dataclass(frozen=True)
class Entry:
    seq: int
    day: date
    kind: TxKind
    description: str
    reverses: int | None
    leaf_hash: str
    data: dict[str, Any]
    lines: list[Line]


async def entries(session: AsyncSession) -> list[Entry]:
    """Every transaction in log order with its postings."""
    names = {i: n for i, n in (await session.execute(select(Account.id, Account.name))).all()}
    lines: dict[int, list[Line]] = {}
    for tx_id, account_id, code, amount in await session.execute(
        select(
            Posting.transaction_id, Posting.account_id, Posting.commodity, Posting.amount
        ).order_by(Posting.transaction_id, Posting.position)
    ):
        lines.setdefault(tx_id, []).append(Line(names[account_id], code, amount))
    rows = (await session.scalars(select(Transaction).order_by(Transaction.seq))).all()
    seq_of = {t.id: t.seq for t in rows}
    return [
        Entry(
            seq=t.seq,
            day=t.date,
            kind=t.kind,
            description=t.description,
            reverses=seq_of.get(t.reverses_id) if t.reverses_id is not None else None,
            leaf_hash=t.leaf_hash,
            data=dict(t.data or {}),
            lines=lines.get(t.id, []),
        )
        for t in rows
    ]


async def to_csv(session: AsyncSession) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for e in await entries(session):
        for line in e.lines:
            writer.writerow(
                (
                    e.seq,
                    e.day.isoformat(),
                    e.kind.value,
                    e.description,
                    "" if e.reverses is None else e.reverses,
                    line.account,
                    line.commodity,
                    plain(line.amount),
                )
            )
    return out.getvalue()


async def to_json(session: AsyncSession) -> dict[str, Any]:
    commodities = (await session.scalars(select(Commodity).order_by(Commodity.code))).all()
    accounts = (await session.scalars(select(Account).order_by(Account.name))).all()
    return {
        "format": "coopfed-ledger-export/1",
        "commodities": [{"code": c.code, "precision": c.precision} for c in commodities],
        "accounts": [
            {
                "name": a.name,
                "purpose": a.purpose.value,
                "member_id": a.member_id,
                "opened_at": a.opened_at.isoformat(),
                "closed_at": a.closed_at.isoformat() if a.closed_at else None,
            }
            for a in accounts
        ],
        "transactions": [
            {
                "seq": e.seq,
                "date": e.day.isoformat(),
                "kind": e.kind.value,
                "description": e.description,
                "reverses": e.reverses,
                "leaf_hash": e.leaf_hash,
                "data": e.data,
                "postings": [
                    {"account": x.account, "commodity": x.commodity, "amount": plain(x.amount)}
                    for x in e.lines
                ],
            }
            for e in await entries(session)
        ],
        "checkpoints": [
            {
                "size": c.size,
                "root": c.root,
                "time": c.signed_at.isoformat(),
                "signature": c.signature,
                "key_id": c.key_id,
                "public_key_multibase": c.public_key_multibase,
            }
            for c in await checkpoints.all_checkpoints(session)
        ],
    }


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


async def to_beancount(session: AsyncSession, *, title: str, currency: str) -> str:
    all_entries = await entries(session)
    commodities = (await session.scalars(select(Commodity).order_by(Commodity.code))).all()
    accounts = (await session.scalars(select(Account).order_by(Account.name))).all()
    first_use: dict[str, date] = {}
    last_use: dict[str, date] = {}
    for e in all_entries:
        for line in e.lines:
            first_use[line.account] = min(first_use.get(line.account, e.day), e.day)
            last_use[line.account] = max(last_use.get(line.account, e.day), e.day)
    opens = {
        a.name: min(a.opened_at.date(), first_use.get(a.name, a.opened_at.date())) for a in accounts
    }
    start = min([*opens.values(), *(e.day for e in all_entries)], default=date(2000, 1, 1))
    out = [
        f"option {_quote('title')} {_quote(title)}",
        f"option {_quote('operating_currency')} {_quote(currency)}",
        "",
    ]
    out += [f"{start.isoformat()} commodity {c.code}" for c in commodities]
    out.append("")
    # The five roots only group; Beancount names need two components at least.
    accounts = [a for a in accounts if ":" in a.name]
    out += [f"{opens[a.name].isoformat()} open {a.name}" for a in accounts]
    out.append("")
    for e in all_entries:
        if e.kind is TxKind.PERIOD_CLOSE:
            out.append(
                f"{e.day.isoformat()} event {_quote('period-close')} {_quote(f'seq {e.seq}')}"
            )
            out.append("")
            continue
        out.append(f"{e.day.isoformat()} * {_quote(e.description)}")
        out.append(f"  seq: {e.seq}")
        out.append(f"  kind: {_quote(e.kind.value)}")
        if e.reverses is not None:
            out.append(f"  reverses: {e.reverses}")
        out += [f"  {x.account}  {plain(x.amount)} {x.commodity}" for x in e.lines]
        out.append("")
    for a in accounts:
        if a.closed_at is not None:
            day = max(a.closed_at.date(), last_use.get(a.name, a.closed_at.date()), opens[a.name])
            out.append(f"{day.isoformat()} close {a.name}")
    return "\n".join(out) + "\n"


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "beancount": "text/plain; charset=utf-8",
}


async def render(session: AsyncSession, fmt: str) -> str:
    """The whole books as text in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "csv":
        return await to_csv(session)
    if fmt == "json":
        return json.dumps(await to_json(session), indent=2, ensure_ascii=False) + "\n"
    if fmt == "beancount":
        found = await instance.get(session)
        rules = await books.rules(session)
        title = found.name if found is not None and found.name else "coopfed"
        return await to_beancount(session, title=title, currency=rules.currency)
    raise InvalidInput(
        N_("Unknown export format '%(format)s'; choose csv, json or beancount."),
        code="ledger_bad_format",
        format=fmt,
    )
