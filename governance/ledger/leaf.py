"""A transaction's leaf in the ledger's Merkle log.

The leaf is the RFC 8785 canonical JSON of::

    {"log": "coopfed-ledger/1", "seq": n, "kind": ..., "date": "YYYY-MM-DD",
     "description": ..., "recorded_at": ISO 8601 UTC, "recorded_by": member id or null,
     "reverses": seq of the reversed transaction or null,
     "postings": [{"account": name, "commodity": code, "amount": "12.5"}, ...],
     "data": {...}}

and its hash ``SHA-256(0x00 || leaf)`` (RFC 9162 §2.1.1). Amounts are plain decimal strings
(:func:`governance.ledger.commodity.plain`), so the same books always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from governance import merkle
from governance.ledger.commodity import plain

LOG_NAME = "coopfed-ledger/1"


def document(
    *,
    seq: int,
    kind: str,
    day: date,
    description: str,
    recorded_at: datetime,
    recorded_by: int | None,
    reverses: int | None,
    postings: Sequence[tuple[str, str, Decimal]],
    data: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "log": LOG_NAME,
        "seq": seq,
        "kind": kind,
        "date": day.isoformat(),
        "description": description,
        "recorded_at": recorded_at.astimezone(UTC).isoformat(),
        "recorded_by": recorded_by,
        "reverses": reverses,
        "postings": [
            {"account": account, "commodity": code, "amount": plain(amount)}
            for account, code, amount in postings
        ],
        "data": dict(data),
    }


def leaf_hash(doc: Mapping[str, Any]) -> str:
    return merkle.object_leaf_hash(doc).hex()
