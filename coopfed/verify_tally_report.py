"""The recounted result as text lines for ``coopfed verify-tally``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def result_lines(result: Mapping[str, Any]) -> Iterator[str]:
    """Outcome, winners and totals."""
    yield f"Method: {result.get('method')}; outcome: {result.get('outcome')}"
    if result.get("winners"):
        yield "Winners: " + ", ".join(str(w) for w in result["winners"])
    if result.get("tied"):
        yield "Tied: " + ", ".join(str(w) for w in result["tied"])
    totals = result.get("totals") or {}
    if totals:
        yield "Totals: " + ", ".join(f"{key} {value}" for key, value in totals.items())
