"""A transaction not yet written: what a treasurer, the CLI or the API submits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from governance.errors import InvalidInput
from governance.i18n import N_
from governance.ledger.commodity import parse_amount

MAX_POSTINGS = 200


@dataclass(frozen=True)
class PostingDraft:
    account: str
    commodity: str
    amount: Decimal


@dataclass(frozen=True)
class Draft:
    day: date
    description: str
    postings: tuple[PostingDraft, ...]


def _bad(template: str, **params: Any) -> InvalidInput:
    return InvalidInput(template, code="ledger_bad_transaction", **params)


def parse_date(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    try:
        if not isinstance(raw, str):
            raise ValueError
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise _bad(N_("The date must be written YYYY-MM-DD.")) from None


def check_description(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 500:
        raise _bad(N_("A transaction needs a description of 1 to 500 characters."))
    return " ".join(raw.split())


def make(day: date | str, description: str, postings: Sequence[tuple[str, str, object]]) -> Draft:
    """A draft from plain values; amounts as decimal strings or ``Decimal``."""
    if len(postings) > MAX_POSTINGS:
        raise _bad(N_("A transaction has at most %(max)s postings."), max=MAX_POSTINGS)
    return Draft(
        day=parse_date(day),
        description=check_description(description),
        postings=tuple(
            PostingDraft(account.strip(), code.strip().upper(), parse_amount(amount))
            for account, code, amount in postings
        ),
    )


def from_json(raw: object, *, default_day: date) -> Draft:
    """``{"date": "2026-01-31", "description": ..., "postings": [{"account", "commodity",
    "amount"}]}``; ``date`` defaults to ``default_day``."""
    if not isinstance(raw, Mapping):
        raise _bad(N_("A transaction is a JSON object with a description and postings."))
    postings = raw.get("postings")
    if not isinstance(postings, list):
        raise _bad(N_("A transaction needs a list of postings."))
    items = []
    for p in postings:
        if (
            not isinstance(p, Mapping)
            or not isinstance(p.get("account"), str)
            or not isinstance(p.get("commodity"), str)
        ):
            raise _bad(N_("Each posting needs an account, a commodity and an amount."))
        items.append((p["account"], p["commodity"], p.get("amount")))
    return make(raw.get("date") or default_day, raw.get("description", ""), items)
