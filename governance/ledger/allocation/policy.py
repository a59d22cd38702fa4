"""The allocation policy: how the bylaws split a year's surplus.

The bylaws keep it as the JSON mapping ``ledger.allocation``; :func:`parse_policy` validates it
into an :class:`AllocationPolicy` and :meth:`AllocationPolicy.to_json` gives the normalised
mapping back (``parse_policy(p.to_json()) == p``). Shares and rates are written as decimal
strings (``"0.15"``), percentages (``"15%"``) or exact fractions (``"3/20"``); floats are refused
because they are not exact. Example (the ``fr_scop`` preset)::

    {
      "legal_form": "fr_scop",
      "legal_reserve": "0.15",
      "indivisible_reserve": "remainder",
      "members": {"share": "0.45", "basis": {"hours": "0.5", "pay": "0.5"}, "cash": "1"},
      "interest": {"rate": "0", "cash": "1",
                   "caps": {"members_share": true, "reserves": true, "surplus_share": null}},
      "minimums": {"legal_reserve": "0.15", "members": "0.25", "patronage_cash": "0"}
    }

Exactly one of ``legal_reserve``, ``indivisible_reserve`` and ``members.share`` is
``"remainder"``: it receives what the fixed shares and the interest on capital leave.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from governance.i18n import N_
from governance.ledger.allocation.errors import (
    POLICY_MISSING,
    InvalidPolicy,
    UnlawfulPolicy,
)
from governance.ledger.allocation.law import LegalForm, LegalRules, rules_for

REMAINDER = "remainder"
ZERO = Fraction(0)
ONE = Fraction(1)


class Part(enum.StrEnum):
    """The parts a surplus is split into at the top level (interest aside)."""

    LEGAL_RESERVE = "legal_reserve"
    MEMBERS = "members"
    INDIVISIBLE_RESERVE = "indivisible_reserve"


RESERVES = (Part.LEGAL_RESERVE, Part.INDIVISIBLE_RESERVE)


class Basis(enum.StrEnum):
    """What the members' share follows: hours worked, pay, or one equal share per patron."""

    HOURS = "hours"
    PAY = "pay"
    EQUAL = "equal"


@dataclass(frozen=True)
class InterestCaps:
    """Ceilings on the total interest on capital (each one optional)."""

    members_share: bool = False  # ≤ the members' share
    reserves: bool = False  # ≤ legal reserve + indivisible reserve
    surplus_share: Fraction | None = None  # ≤ this share of the surplus


@dataclass(frozen=True)
class InterestRule:
    rate: Fraction = ZERO  # per period, on each member's capital
    cash: Fraction = ONE  # share of each member's interest paid in cash; the rest is credited
    caps: InterestCaps = field(default_factory=InterestCaps)


@dataclass(frozen=True)
class Minimums:
    """Floors the co-op sets itself, as shares (of the surplus; of each dividend for cash)."""

    legal_reserve: Fraction = ZERO
    members: Fraction = ZERO
    patronage_cash: Fraction = ZERO


@dataclass(frozen=True)
class AllocationPolicy:
    legal_form: LegalForm
    shares: dict[Part, Fraction | None]  # None: this part takes the remainder
    basis: tuple[tuple[Basis, Fraction], ...]  # positive weights summing to 1, in Basis order
    patronage_cash: Fraction  # share of each member's patronage paid in cash
    interest: InterestRule = field(default_factory=InterestRule)
    minimums: Minimums = field(default_factory=Minimums)

    @property
    def law(self) -> LegalRules:
        return rules_for(self.legal_form)

    @property
    def remainder(self) -> Part:
        return next(part for part, share in self.shares.items() if share is None)

    def minimum(self, part: Part) -> Fraction:
        """The effective floor on a part's share of the surplus: the law's or the policy's."""
        if part is Part.LEGAL_RESERVE:
            return max(self.law.min_legal_reserve, self.minimums.legal_reserve)
        if part is Part.MEMBERS:
            return max(self.law.min_members, self.minimums.members)
        return ZERO

    @property
    def cap_members(self) -> bool:
        return self.interest.caps.members_share or self.law.interest_cap_members

    @property
    def cap_reserves(self) -> bool:
        return self.interest.caps.reserves or self.law.interest_cap_reserves

    def to_json(self) -> dict[str, Any]:
        def share(part: Part) -> str:
            value = self.shares[part]
            return REMAINDER if value is None else share_text(value)

        caps = self.interest.caps
        return {
            "legal_form": self.legal_form.value,
            "legal_reserve": share(Part.LEGAL_RESERVE),
            "indivisible_reserve": share(Part.INDIVISIBLE_RESERVE),
            "members": {
                "share": share(Part.MEMBERS),
                "basis": {basis.value: share_text(weight) for basis, weight in self.basis},
                "cash": share_text(self.patronage_cash),
            },
            "interest": {
                "rate": share_text(self.interest.rate),
                "cash": share_text(self.interest.cash),
                "caps": {
                    "members_share": caps.members_share,
                    "reserves": caps.reserves,
                    "surplus_share": None
                    if caps.surplus_share is None
                    else share_text(caps.surplus_share),
                },
            },
            "minimums": {
                "legal_reserve": share_text(self.minimums.legal_reserve),
                "members": share_text(self.minimums.members),
                "patronage_cash": share_text(self.minimums.patronage_cash),
            },
        }


def share_text(value: Fraction) -> str:
    """``Fraction(3, 20)`` → ``"0.15"``; a share with no finite decimal form stays ``"1/3"``."""
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(as_decimal) == value:
        return format(as_decimal.normalize(), "f")
    return f"{value.numerator}/{value.denominator}"


# --- parsing -------------------------------------------------------------------------------


def _bad(template: str, where: str, **params: Any) -> InvalidPolicy:
    return InvalidPolicy(template, where=where, **params)


def parse_share(raw: object, where: str) -> Fraction:
    """``"0.15"``, ``"15%"``, ``"3/20"``, ``0`` or ``1`` → an exact share in [0, 1]."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValueError
        text = str(raw).strip()
        if text.endswith("%"):
            value = Fraction(Decimal(text[:-1].strip())) / 100
        elif "/" in text:
            value = Fraction(text)
        else:
            value = Fraction(Decimal(text))
    except (ValueError, InvalidOperation, ZeroDivisionError, OverflowError):
        raise _bad(
            N_('%(where)s must be a share written as text, such as "0.15", "15%%" or "3/20".'),
            where,
        ) from None
    if not ZERO <= value <= ONE:
        raise _bad(N_("%(where)s must be between 0 and 1 (0 %% to 100 %%)."), where)
    if value.denominator > 10**12:
        raise _bad(N_("%(where)s is too finely divided (at most 12 decimals)."), where)
    return value


def _object(raw: object, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _bad(N_("%(where)s must be an object."), where)
    unknown = set(raw) - set(known)
    if unknown:
        raise _bad(
            N_("%(where)s has unknown fields: %(fields)s (known: %(known)s)."),
            where,
            fields=", ".join(sorted(map(str, unknown))),
            known=", ".join(known),
        )
    return raw


def _flag(raw: object, where: str) -> bool:
    if not isinstance(raw, bool):
        raise _bad(N_("%(where)s must be true or false."), where)
    return raw


def _part_share(raw: object, where: str) -> Fraction | None:
    if raw is None:
        raise _bad(N_('%(where)s is required: a share such as "0.15", or "remainder".'), where)
    if isinstance(raw, str) and raw.strip().lower() == REMAINDER:
        return None
    return parse_share(raw, where)


def _parse_basis(raw: object, where: str) -> tuple[tuple[Basis, Fraction], ...]:
    names = ", ".join(b.value for b in Basis)
    if isinstance(raw, str):
        raw = {raw: "1"}
    if not isinstance(raw, dict) or not raw:
        raise _bad(
            N_(
                "%(where)s must be one of %(names)s, or a weighted mix such as "
                '{"hours": "0.5", "pay": "0.5"}.'
            ),
            where,
            names=names,
        )
    weights: dict[Basis, Fraction] = {}
    for key, value in raw.items():
        try:
            basis = Basis(key)
        except ValueError:
            raise _bad(
                N_("%(where)s: '%(basis)s' is not a basis (known: %(names)s)."),
                where,
                basis=str(key),
                names=names,
            ) from None
        weights[basis] = parse_share(value, f"{where}.{basis.value}")
    if sum(weights.values()) != ONE:
        raise _bad(N_("%(where)s: the weights must add up to exactly 1."), where)
    return tuple((b, weights[b]) for b in Basis if weights.get(b, ZERO) > 0)


def _parse_interest(raw: object) -> InterestRule:
    where = "interest"
    if raw is None:
        return InterestRule()
    found = _object(raw, where, ("rate", "cash", "caps"))
    caps_raw = _object(
        found.get("caps", {}), f"{where}.caps", ("members_share", "reserves", "surplus_share")
    )
    surplus_share = caps_raw.get("surplus_share")
    caps = InterestCaps(
        members_share=_flag(caps_raw.get("members_share", False), f"{where}.caps.members_share"),
        reserves=_flag(caps_raw.get("reserves", False), f"{where}.caps.reserves"),
        surplus_share=None
        if surplus_share is None
        else parse_share(surplus_share, f"{where}.caps.surplus_share"),
    )
    return InterestRule(
        rate=parse_share(found.get("rate", "0"), f"{where}.rate"),
        cash=parse_share(found.get("cash", "1"), f"{where}.cash"),
        caps=caps,
    )


def _parse_minimums(raw: object) -> Minimums:
    where = "minimums"
    if raw is None:
        return Minimums()
    found = _object(raw, where, ("legal_reserve", "members", "patronage_cash"))
    return Minimums(**{key: parse_share(value, f"{where}.{key}") for key, value in found.items()})


def parse_policy(raw: object) -> AllocationPolicy:
    """Validate the bylaws' ``ledger.allocation`` mapping; errors name the offending field.

    Raises :class:`InvalidPolicy` for a malformed policy and :class:`UnlawfulPolicy` when its
    shares break a floor set by its legal form or by its own ``minimums``.
    """
    if raw is None or raw == {}:
        raise InvalidPolicy(
            N_(
                "The bylaws define no surplus allocation policy (ledger.allocation is empty). "
                "Start from a preset (fr_scop or us_worker_coop) and adapt it."
            ),
            code=POLICY_MISSING,
        )
    found = _object(
        raw,
        "ledger.allocation",
        ("legal_form", "legal_reserve", "indivisible_reserve", "members", "interest", "minimums"),
    )
    form_raw = found.get("legal_form", LegalForm.CUSTOM.value)
    try:
        form = LegalForm(form_raw)
    except ValueError:
        raise _bad(
            N_("%(where)s must be one of %(names)s."),
            "legal_form",
            names=", ".join(f.value for f in LegalForm),
        ) from None
    members = _object(found.get("members"), "members", ("share", "basis", "cash"))
    shares = {
        Part.LEGAL_RESERVE: _part_share(found.get("legal_reserve"), "legal_reserve"),
        Part.MEMBERS: _part_share(members.get("share"), "members.share"),
        Part.INDIVISIBLE_RESERVE: _part_share(
            found.get("indivisible_reserve"), "indivisible_reserve"
        ),
    }
    remainders = [part.value for part, share in shares.items() if share is None]
    if len(remainders) != 1:
        raise _bad(
            N_(
                'Exactly one of %(where)s must be "remainder" (it receives what the other '
                "shares and the interest leave); now: %(count)s."
            ),
            "legal_reserve, indivisible_reserve, members.share",
            count=len(remainders),
        )
    if sum(share for share in shares.values() if share is not None) > ONE:
        raise _bad(
            N_("%(where)s: the fixed shares add up to more than the whole surplus."),
            "legal_reserve, indivisible_reserve, members.share",
        )
    policy = AllocationPolicy(
        legal_form=form,
        shares=shares,
        basis=_parse_basis(members.get("basis"), "members.basis"),
        patronage_cash=parse_share(members.get("cash", "1"), "members.cash"),
        interest=_parse_interest(found.get("interest")),
        minimums=_parse_minimums(found.get("minimums")),
    )
    check_floors(policy)
    return policy


def check_floors(policy: AllocationPolicy) -> None:
    """Refuse a policy whose shares cannot meet its legal form's floors or its own minimums.

    A fixed share must reach its floor; the remainder part must be able to (what the fixed
    shares leave must reach it: at allocation time interest is held back to keep it there).
    """
    law = policy.law
    fixed_total = sum(share for share in policy.shares.values() if share is not None)
    for part, where in ((Part.LEGAL_RESERVE, "legal_reserve"), (Part.MEMBERS, "members.share")):
        floor = policy.minimum(part)
        share = policy.shares[part]
        available = ONE - fixed_total if share is None else share
        if available >= floor:
            continue
        by_law = floor == (law.min_legal_reserve if part is Part.LEGAL_RESERVE else law.min_members)
        params = {
            "where": where,
            "share": share_text(available),
            "minimum": share_text(floor),
            "source": law.source,
        }
        if share is None:
            template = (
                N_(
                    "%(where)s takes the remainder, at most %(share)s of the surplus: below "
                    "the minimum of %(minimum)s set by %(source)s."
                )
                if by_law
                else N_(
                    "%(where)s takes the remainder, at most %(share)s of the surplus: below "
                    "the policy's own minimum of %(minimum)s."
                )
            )
        else:
            template = (
                N_(
                    "%(where)s is %(share)s of the surplus, below the minimum of %(minimum)s "
                    "set by %(source)s."
                )
                if by_law
                else N_(
                    "%(where)s is %(share)s of the surplus, below the policy's own minimum "
                    "of %(minimum)s."
                )
            )
        raise UnlawfulPolicy(template, **params)
    cash_floor = max(law.min_patronage_cash, policy.minimums.patronage_cash)
    if policy.patronage_cash < cash_floor:
        params = {
            "where": "members.cash",
            "share": share_text(policy.patronage_cash),
            "minimum": share_text(cash_floor),
            "source": law.source,
        }
        raise UnlawfulPolicy(
            N_(
                "%(where)s is %(share)s, but %(source)s requires at least %(minimum)s of each "
                "member's share to be paid in cash."
            )
            if cash_floor == law.min_patronage_cash
            else N_(
                "%(where)s is %(share)s, below the policy's own minimum of %(minimum)s "
                "paid in cash."
            ),
            **params,
        )
    if law.work_basis_only and any(basis is Basis.EQUAL for basis, _ in policy.basis):
        raise UnlawfulPolicy(
            N_(
                "%(where)s: under %(source)s a patronage dividend follows the work done (hours "
                "or pay), so it cannot include an equal share per member."
            ),
            where="members.basis",
            source=law.source,
        )


def check_policy(policy: AllocationPolicy) -> None:
    """Refuse a policy built in code that :func:`parse_policy` would not have produced.

    The policy goes through its JSON form and back: every field is checked as if it came
    from the bylaws (same errors), and anything that does not survive unchanged (a zero or
    repeated basis weight, say) is refused.
    """
    if parse_policy(policy.to_json()) != policy:
        raise InvalidPolicy(
            N_("The allocation policy is not in its normal form: build it with parse_policy."),
        )
