"""Members' figures as text: one line per member, ``member,hours,pay[,capital]``.

What a treasurer pastes from a spreadsheet or a payroll export, in the web form or a file for
the CLI. ``member`` is an id, a username or an email; separators are commas, or semicolons or
tabs (then a decimal comma is read as a point, as French spreadsheets write it). Blank lines
and lines starting with ``#`` are skipped, and so is a first line of column names. An empty
capital means "read it from the books".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from governance import member as members
from governance.errors import NotFound
from governance.i18n import N_
from governance.ledger.allocation import InvalidAllocation
from governance.ledger.allocation import posting as allocation_posting
from governance.ledger.allocation.errors import BAD_AMOUNT
from governance.ledger.surplus.inputs import parse_amount
from governance.ledger.surplus.service import MemberFigures

MAX_LINES = 100_000


@dataclass(frozen=True)
class FigureLine:
    line: int  # 1-based, as an editor shows it
    ref: str
    hours: Decimal
    pay: Decimal
    capital: Decimal | None


def _cells(text: str) -> list[str]:
    if ";" in text or "\t" in text:
        return [c.strip().replace(",", ".") for c in text.replace("\t", ";").split(";")]
    return [c.strip() for c in text.split(",")]


def parse_lines(text: str) -> list[FigureLine]:
    """Read the figures; refuses a malformed line naming its number
    (code ``allocation_bad_amount``)."""
    found: list[FigureLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = _cells(stripped)
        if not found and cells[0].lower() in ("member", "member_id", "username", "membre"):
            continue  # column names
        if len(cells) not in (3, 4) or not cells[0]:
            raise InvalidAllocation(
                N_(
                    "Line %(line)s: write member,hours,pay (and optionally capital), "
                    "for example: ada,1600,36000."
                ),
                code=BAD_AMOUNT,
                line=number,
            )
        where = f"line {number}"
        capital = cells[3] if len(cells) == 4 else ""
        found.append(
            FigureLine(
                number,
                cells[0],
                parse_amount(cells[1] or "0", f"{where}, hours"),
                parse_amount(cells[2] or "0", f"{where}, pay"),
                parse_amount(capital, f"{where}, capital") if capital else None,
            )
        )
        if len(found) > MAX_LINES:
            raise InvalidAllocation(
                N_("At most %(max)s members can share an allocation."), code=BAD_AMOUNT,
                max=MAX_LINES,
            )
    return found


async def resolve(session: AsyncSession, lines: Sequence[FigureLine]) -> list[MemberFigures]:
    """The lines with members found by id, username or email (``allocation_unknown_member``
    naming the line otherwise)."""
    resolved = []
    for line in lines:
        try:
            member = await members.find(session, line.ref)
        except NotFound:
            raise InvalidAllocation(
                N_("Line %(line)s: no member matches '%(ref)s' (give an id, a username or an "
                   "email)."),
                code=allocation_posting.UNKNOWN_MEMBER,
                line=line.line,
                ref=line.ref,
            ) from None
        resolved.append(MemberFigures(member.id, line.hours, line.pay, line.capital))
    return resolved


def to_text(rows: Sequence[tuple[str, Decimal, Decimal, Decimal | None]]) -> str:
    """Lines a form can be prefilled with (``member,hours,pay[,capital]``)."""
    out = ["member,hours,pay,capital"]
    for ref, hours, pay, capital in rows:
        cap = "" if capital is None else format(capital, "f")
        out.append(f"{ref},{format(hours, 'f')},{format(pay, 'f')},{cap}")
    return "\n".join(out) + "\n"
