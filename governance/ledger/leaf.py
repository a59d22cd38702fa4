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

import json
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


def _plain_json(value: object) -> bool:
    """True when ``json.dumps`` writes ``value`` in RFC 8785 form, strings aside (see
    :func:`canonical`): ASCII keys, so code-point order is UTF-16 order; integers within
    ±2**53; no floats."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -(2**53) < value < 2**53  # type: ignore[operator]
    if kind is dict:
        return all(
            type(k) is str and k.isascii() and _plain_json(v)
            for k, v in value.items()  # type: ignore[attr-defined]
        )
    if kind is list:
        return all(_plain_json(v) for v in value)  # type: ignore[attr-defined]
    return False


def _plain_leaf(doc: Mapping[str, Any]) -> bool:
    """:func:`_plain_json` for a document made by :func:`document`: its own keys are ASCII and
    its postings hold only strings, so only the integers and ``data`` need a look."""
    if set(doc) != _LEAF_KEYS or type(doc["postings"]) is not list:
        return _plain_json(doc)
    return (
        all(_plain_json(doc[k]) for k in ("seq", "recorded_by", "reverses", "data"))
        and all(type(p) is dict and set(p) == _POSTING_KEYS for p in doc["postings"])
    )


_LEAF_KEYS = frozenset(
    ("log", "seq", "kind", "date", "description", "recorded_at", "recorded_by", "reverses",
     "postings", "data")
)
_POSTING_KEYS = frozenset(("account", "commodity", "amount"))


def canonical(doc: Mapping[str, Any]) -> bytes:
    """The RFC 8785 bytes of ``doc``.

    For the documents the ledger writes (ASCII keys, strings, integers, no floats) RFC 8785 is
    exactly ``json.dumps`` with sorted keys, no spaces and UTF-8 output (a lone surrogate
    cannot be encoded and falls back), many times faster than the general canonicaliser;
    anything else goes through :func:`governance.merkle.canonical_leaf`.
    """
    if _plain_leaf(doc):
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass
    return merkle.canonical_leaf(doc)


def leaf_hash(doc: Mapping[str, Any]) -> str:
    return merkle.leaf_hash(canonical(doc)).hex()
