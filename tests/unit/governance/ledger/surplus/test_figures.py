"""Members' figures pasted as text: commas, semicolons or tabs with decimal commas, a header,
comments and blank lines; a malformed line is refused naming its number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from governance.ledger.allocation import InvalidAllocation
from governance.ledger.surplus.figures import FigureLine, parse_lines, to_text


def test_commas_semicolons_tabs_header_comments_and_blank_lines() -> None:
    text = (
        "member,hours,pay,capital\n"
        "# the year's figures\n"
        "ada,1600,30000.50\n"
        "\n"
        "bea;800,5;20000,25;100\n"
        "7\t10\t0\t\n"
    )
    assert parse_lines(text) == [
        FigureLine(3, "ada", Decimal("1600"), Decimal("30000.50"), None),
        FigureLine(5, "bea", Decimal("800.5"), Decimal("20000.25"), Decimal("100")),
        FigureLine(6, "7", Decimal("10"), Decimal("0"), None),
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [("ada,1600\n", 1), ("ada,1,2\nbea,x,2\n", 2), (",1,2\n", 1), ("a,1,2,3,4\n", 1)],
)
def test_malformed_line__refused_naming_it(text: str, line: int) -> None:
    with pytest.raises(InvalidAllocation) as caught:
        parse_lines(text)
    assert caught.value.code == "allocation_bad_amount"
    assert f"line {line}" in caught.value.message.lower()


def test_to_text__reads_back() -> None:
    text = to_text([("ada", Decimal("1600"), Decimal("0"), None),
                    ("bea", Decimal("1"), Decimal("2"), Decimal("3.50"))])
    assert [(f.ref, f.capital) for f in parse_lines(text)] == [
        ("ada", None), ("bea", Decimal("3.50"))]
