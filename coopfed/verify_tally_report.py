"""The recounted result as text for ``coopfed verify-tally``: the outcome, the totals, and for
ranked methods the same detail the API and the result page give: every round or stage
(instant-runoff, STV, with the quota), the pairwise matrix and the strongest paths (Schulze)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        yield "  " + "  ".join(
            str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)
        )


def _rounds(details: Mapping[str, Any], options: Sequence[str], stv: bool) -> Iterator[str]:
    rounds = details.get("rounds") or []
    if not rounds:
        return
    if stv:
        yield f"Quota: {details.get('quota')} ({details.get('rule_set', 'STV')})"
    yield "Stages:" if stv else "Rounds:"
    out_name = "non-transferable" if stv else "exhausted"
    header = ["stage" if stv else "round", *options, out_name, "what happened"]
    rows = []
    for number, raw in enumerate(rounds, start=1):
        totals: Mapping[str, Any] = raw.get("totals") or {}
        events = []
        if raw.get("type") in ("surplus", "exclusion") and raw.get("candidate"):
            events.append(f"{raw['type']} of {raw['candidate']}")
        if raw.get("elected"):
            events.append("elected " + ", ".join(raw["elected"]))
        removed = raw.get("eliminated") or raw.get("excluded")
        if removed:
            events.append(("excluded " if stv else "eliminated ") + ", ".join(removed))
        rows.append(
            [
                str(raw.get("stage", raw.get("round", number))),
                *(str(totals[o]) if o in totals else "-" for o in options),
                str(raw.get("non_transferable" if stv else "exhausted", "0")),
                "; ".join(events) or "-",
            ]
        )
    yield from _table(header, rows)


def _matrix(name: str, details: Mapping[str, Any]) -> Iterator[str]:
    options = [str(o) for o in details.get("options") or []]
    matrix = details.get(name) or []
    if not options or len(matrix) != len(options):
        return
    rows = [
        [option, *("-" if i == j else str(cell) for j, cell in enumerate(row))]
        for i, (option, row) in enumerate(zip(options, matrix, strict=True))
    ]
    yield from _table(["", *options], rows)


def result_lines(result: Mapping[str, Any]) -> Iterator[str]:
    """Every line verify-tally prints about the (verified) result."""
    method = str(result.get("method"))
    yield f"Method: {method}; outcome: {result.get('outcome')}"
    if result.get("winners"):
        yield "Winners: " + ", ".join(str(w) for w in result["winners"])
    if result.get("tied"):
        yield "Tied: " + ", ".join(str(w) for w in result["tied"])
    if result.get("ranking"):
        yield "Ranking: " + " > ".join("=".join(group) for group in result["ranking"])
    totals: Mapping[str, Any] = result.get("totals") or {}
    if totals:
        label = "First preferences" if method in ("instant_runoff", "schulze", "stv") else "Totals"
        yield f"{label}: " + ", ".join(f"{key} {value}" for key, value in totals.items())
    details: Mapping[str, Any] = result.get("details") or {}
    yield from _rounds(details, list(totals), method == "stv")
    if details.get("pairwise"):
        yield "Pairwise matrix (row preferred to column):"
        yield from _matrix("pairwise", details)
    if details.get("strongest_paths"):
        yield "Strongest paths (winning votes):"
        yield from _matrix("strongest_paths", details)
