"""Commodities: what amounts are counted in (EUR, USD, HOURS, SHARES …) and their precision."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.errors import Conflict, InvalidInput
from governance.i18n import N_
from governance.ledger.errors import BadAmount, TooManyDecimals, UndeclaredCommodity
from governance.ledger.model import Commodity

# Beancount's commodity syntax, so every export is valid: capitals, digits and ' . _ -.
CODE_RE = re.compile(r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$")
MAX_PRECISION = 8
SHARES = "SHARES"
HOURS = "HOURS"


def check_code(code: str) -> str:
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(
            N_("'%(value)s' is not a commodity code: use 2 to 24 capital letters or digits."),
            code="ledger_bad_commodity_code",
            value=code,
        )
    return code


async def declare(
    session: AsyncSession, code: str, precision: int, *, name: str = "", now: datetime
) -> Commodity:
    """Declare a commodity; declaring one again with the same precision is a no-op."""
    code = check_code(code)
    if isinstance(precision, bool) or not 0 <= precision <= MAX_PRECISION:
        raise InvalidInput(
            N_("A precision is a number of decimals from 0 to %(max)s."),
            code="ledger_bad_precision",
            max=MAX_PRECISION,
        )
    found = await get(session, code)
    if found is not None:
        if found.precision != precision:
            raise Conflict(
                N_("%(commodity)s is already declared with %(precision)s decimals."),
                code="ledger_commodity_exists",
                commodity=code,
                precision=found.precision,
            )
        return found
    row = Commodity(code=code, precision=precision, name=name[:120], declared_at=now)
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, code: str) -> Commodity | None:
    return await session.scalar(select(Commodity).where(Commodity.code == code))


async def require(session: AsyncSession, code: str) -> Commodity:
    found = await get(session, code)
    if found is None:
        raise UndeclaredCommodity(code)
    return found


async def list_all(session: AsyncSession) -> list[Commodity]:
    return list((await session.scalars(select(Commodity).order_by(Commodity.code))).all())


def parse_amount(raw: object) -> Decimal:
    """A finite decimal from a string or int (never a float: it would not be exact)."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str | int) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise BadAmount(raw) from None
    else:
        raise BadAmount(raw)
    if not value.is_finite() or abs(value) >= Decimal(10) ** 20:
        raise BadAmount(raw)
    return value


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def check_precision(value: Decimal, commodity: str, precision: int) -> None:
    if decimals(value) > precision:
        raise TooManyDecimals(plain(value), commodity, precision)


def plain(value: Decimal) -> str:
    """The amount as text without exponent or needless trailing zeros ("12.5", "-3")."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    return format(normalized, "f")
