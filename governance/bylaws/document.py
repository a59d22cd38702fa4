"""The bylaws document: proposal kinds and what each requires.

Stored as JSON (one row per version); :func:`parse_bylaws` validates a JSON value into a
:class:`Bylaws`, and :meth:`Bylaws.to_json` gives it back. Shares (quorum, threshold) are
written as decimal strings (``"0.5"``) or exact fractions (``"2/3"``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from governance.errors import InvalidInput
from governance.i18n import N_
from governance.tally.types import Comparison, Method

SUPPORTED_METHODS = (
    Method.MAJORITY,
    Method.SUPERMAJORITY,
    Method.CONSENT,
    Method.APPROVAL,
    Method.SCORE,
    Method.INSTANT_RUNOFF,
    Method.SCHULZE,
    Method.STV,
)
MULTI_SEAT_METHODS = (Method.STV,)
MAX_SEATS = 100
MAX_HOURS = 24 * 366


class Effect(enum.StrEnum):
    """What passing a proposal of a kind does (the effects registry implements each)."""

    RECORD = "record"  # the decision is recorded; nothing else changes
    ADMIT_MEMBER = "admit_member"
    AMEND_BYLAWS = "amend_bylaws"
    ALLOCATE_SURPLUS = "allocate_surplus"  # post the proposal's surplus allocation


@dataclass(frozen=True)
class ProposalKind:
    key: str
    label: str
    method: Method
    quorum: Fraction
    threshold: Fraction
    comparison: Comparison
    notice_hours: int
    min_voting_hours: int
    max_voting_hours: int
    eligible_classes: tuple[str, ...]  # class slugs; empty = every admitted member
    secret: bool
    proxies_allowed: bool
    max_proxies_per_holder: int
    effect: Effect
    max_choices: int | None = None  # approval: k; ranked: longest ranking
    seats: int = 1  # STV: how many options are elected

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "method": self.method.value,
            "quorum": _share_text(self.quorum),
            "threshold": _share_text(self.threshold),
            "comparison": self.comparison.value,
            "notice_hours": self.notice_hours,
            "min_voting_hours": self.min_voting_hours,
            "max_voting_hours": self.max_voting_hours,
            "eligible_classes": list(self.eligible_classes),
            "secret": self.secret,
            "proxies_allowed": self.proxies_allowed,
            "max_proxies_per_holder": self.max_proxies_per_holder,
            "effect": self.effect.value,
            "max_choices": self.max_choices,
            "seats": self.seats,
        }


@dataclass(frozen=True)
class LedgerRules:
    """The bylaws' rules for the books: currency, shares, privacy, surplus allocation.

    ``allocation`` is kept as the raw mapping the bylaws give; ``governance.ledger.allocation``
    parses it into an allocation policy.
    """

    currency: str = "EUR"
    share_price: Decimal = Decimal("100")  # nominal value of one share, in ``currency``
    min_subscription: int = 0  # shares a member must subscribe when admitted (0: none)
    transfers_allowed: bool = False
    private_member_details: bool = False  # True: only the member and bookkeepers see them
    allocation: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "share_price": format(self.share_price, "f"),
            "min_subscription": self.min_subscription,
            "transfers_allowed": self.transfers_allowed,
            "private_member_details": self.private_member_details,
            "allocation": dict(self.allocation),
        }


@dataclass(frozen=True)
class Bylaws:
    title: str
    preset: str
    text: str  # the human-readable bylaws (Markdown)
    kinds: dict[str, ProposalKind] = field(default_factory=dict)
    ledger: LedgerRules = field(default_factory=LedgerRules)

    def kind(self, key: str) -> ProposalKind:
        found = self.kinds.get(key)
        if found is None:
            raise InvalidInput(
                N_("The bylaws define no proposal kind '%(kind)s'."), code="unknown_kind", kind=key
            )
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "preset": self.preset,
            "text": self.text,
            "kinds": {key: kind.to_json() for key, kind in self.kinds.items()},
            "ledger": self.ledger.to_json(),
        }


def _share_text(value: Fraction) -> str:
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(as_decimal) == value:
        return format(as_decimal.normalize(), "f")
    return f"{value.numerator}/{value.denominator}"


def parse_share(raw: object, where: str) -> Fraction:
    """``"0.5"``, ``"2/3"`` or an int → an exact share in [0, 1]."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValueError
        text = str(raw).strip()
        value = Fraction(text) if "/" in text else Fraction(Decimal(text))
    except (ValueError, InvalidOperation, ZeroDivisionError):
        raise _bad(N_('%(where)s must be a share such as "0.5" or "2/3".'), where) from None
    if not 0 <= value <= 1:
        raise _bad(N_("%(where)s must be between 0 and 1."), where)
    return value


def _bad(template: str, where: str) -> InvalidInput:
    return InvalidInput(template, code="invalid_bylaws", where=where)


def _int(raw: object, where: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise InvalidInput(
            N_("%(where)s must be a whole number from %(low)s to %(high)s."),
            code="invalid_bylaws",
            where=where,
            low=low,
            high=high,
        )
    return raw


def _parse_kind(key: str, raw: object) -> ProposalKind:
    where = f"kinds.{key}"
    if not isinstance(raw, dict):
        raise _bad(N_("%(where)s must be an object."), where)
    known = set(ProposalKind.__dataclass_fields__) - {"key"}
    unknown = set(raw) - known
    if unknown:
        raise InvalidInput(
            N_("%(where)s has unknown fields: %(fields)s."),
            code="invalid_bylaws",
            where=where,
            fields=", ".join(sorted(unknown)),
        )
    try:
        method = Method(raw.get("method", "majority"))
    except ValueError:
        raise _bad(N_("%(where)s.method is not a known decision method."), where) from None
    if method not in SUPPORTED_METHODS:
        raise _bad(N_("%(where)s.method is not available yet."), where)
    try:
        comparison = Comparison(raw.get("comparison", "more_than"))
        effect = Effect(raw.get("effect", "record"))
    except ValueError:
        raise _bad(N_("%(where)s has an unknown comparison or effect."), where) from None
    label = raw.get("label", key)
    if not isinstance(label, str) or not label.strip() or len(label) > 120:
        raise _bad(N_("%(where)s.label must be a short text."), where)
    min_hours = _int(raw.get("min_voting_hours", 24), f"{where}.min_voting_hours", 1, MAX_HOURS)
    max_hours = _int(
        raw.get("max_voting_hours", 24 * 14), f"{where}.max_voting_hours", 1, MAX_HOURS
    )
    if max_hours < min_hours:
        raise _bad(N_("%(where)s: the maximum voting period is shorter than the minimum."), where)
    classes = raw.get("eligible_classes", [])
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise _bad(N_("%(where)s.eligible_classes must be a list of class short names."), where)
    max_choices = raw.get("max_choices")
    if max_choices is not None:
        max_choices = _int(max_choices, f"{where}.max_choices", 1, 1000)
    seats = _int(raw.get("seats", 1), f"{where}.seats", 1, MAX_SEATS)
    if seats != 1 and method not in MULTI_SEAT_METHODS:
        raise _bad(N_("%(where)s.seats: only an STV election fills several seats."), where)
    for flag in ("secret", "proxies_allowed"):
        if not isinstance(raw.get(flag, False), bool):
            raise _bad(N_("%(where)s: secret and proxies_allowed must be true or false."), where)
    return ProposalKind(
        key=key,
        label=label.strip(),
        method=method,
        quorum=parse_share(raw.get("quorum", "0"), f"{where}.quorum"),
        threshold=parse_share(raw.get("threshold", "0.5"), f"{where}.threshold"),
        comparison=comparison,
        notice_hours=_int(raw.get("notice_hours", 0), f"{where}.notice_hours", 0, MAX_HOURS),
        min_voting_hours=min_hours,
        max_voting_hours=max_hours,
        eligible_classes=tuple(classes),
        secret=bool(raw.get("secret", False)),
        proxies_allowed=bool(raw.get("proxies_allowed", False)),
        max_proxies_per_holder=_int(
            raw.get("max_proxies_per_holder", 1), f"{where}.max_proxies_per_holder", 0, 100
        ),
        effect=effect,
        max_choices=max_choices,
        seats=seats,
    )


CURRENCY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MAX_SHARE_PRICE = Decimal("1000000000")


def parse_ledger_rules(raw: object) -> LedgerRules:
    """The ``ledger`` section; absent means the defaults of :class:`LedgerRules`."""
    where = "ledger"
    if raw is None:
        return LedgerRules()
    if not isinstance(raw, dict):
        raise _bad(N_("%(where)s must be an object."), where)
    known = set(LedgerRules.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise InvalidInput(
            N_("%(where)s has unknown fields: %(fields)s."),
            code="invalid_bylaws",
            where=where,
            fields=", ".join(sorted(unknown)),
        )
    currency = raw.get("currency", "EUR")
    if (
        not isinstance(currency, str)
        or not 3 <= len(currency) <= 10
        or not set(currency) <= CURRENCY_CHARS
    ):
        raise _bad(N_("%(where)s.currency must be a code of 3 to 10 capital letters."), where)
    try:
        price_raw = raw.get("share_price", "100")
        if isinstance(price_raw, bool) or not isinstance(price_raw, str | int):
            raise InvalidOperation
        price = Decimal(str(price_raw))
    except InvalidOperation:
        price = Decimal(-1)
    if not price.is_finite() or not 0 < price <= MAX_SHARE_PRICE or price != price.quantize(
        Decimal("0.01")
    ):
        raise _bad(
            N_('%(where)s.share_price must be a positive amount with at most 2 decimals, '
               'such as "100" or "25.50".'),
            where,
        )
    flags = {}
    for flag in ("transfers_allowed", "private_member_details"):
        value = raw.get(flag, False)
        if not isinstance(value, bool):
            raise _bad(N_("%(where)s: transfers_allowed and private_member_details must be "
                          "true or false."), where)
        flags[flag] = value
    allocation = raw.get("allocation", {})
    if not isinstance(allocation, dict):
        raise _bad(N_("%(where)s.allocation must be an object."), where)
    return LedgerRules(
        currency=currency,
        share_price=price.quantize(Decimal(1)) if price == price.to_integral_value()
        else price.normalize(),
        min_subscription=_int(raw.get("min_subscription", 0), f"{where}.min_subscription", 0,
                              1_000_000),
        transfers_allowed=flags["transfers_allowed"],
        private_member_details=flags["private_member_details"],
        allocation=dict(allocation),
    )


REQUIRED_EFFECTS = (Effect.AMEND_BYLAWS,)


def parse_bylaws(raw: object) -> Bylaws:
    """Validate a JSON value as a bylaws document; errors name the offending field."""
    if not isinstance(raw, dict):
        raise _bad(N_("%(where)s must be an object."), "bylaws")
    kinds_raw = raw.get("kinds")
    if not isinstance(kinds_raw, dict) or not kinds_raw:
        raise _bad(N_("%(where)s must define at least one proposal kind."), "kinds")
    kinds = {}
    for key, value in kinds_raw.items():
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or len(key) > 40:
            raise _bad(
                N_("%(where)s: kind names are short words with letters, digits and _."), "kinds"
            )
        kinds[key] = _parse_kind(key, value)
    if not any(k.effect is Effect.AMEND_BYLAWS for k in kinds.values()):
        raise _bad(
            N_("%(where)s needs a kind whose effect is amend_bylaws, or they could never change."),
            "kinds",
        )
    title, text = raw.get("title", ""), raw.get("text", "")
    if not isinstance(title, str) or not isinstance(text, str) or len(text) > 200_000:
        raise _bad(N_("%(where)s: title and text must be texts."), "bylaws")
    preset = raw.get("preset", "custom")
    return Bylaws(
        title=title.strip() or "Bylaws",
        preset=preset if isinstance(preset, str) else "custom",
        text=text,
        kinds=kinds,
        ledger=parse_ledger_rules(raw.get("ledger")),
    )
