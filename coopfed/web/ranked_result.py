"""What the result page shows of a ranked count: the rounds (instant-runoff) or stages (STV)
as a table and a stacked-bar chart, and for Schulze the pairwise matrix and the strongest
paths as heat-map tables (each cell shaded by how strongly the row's option beats, or loses
to, the column's; the shade is doubled by words for screen readers and colour-blind readers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from coopfed.i18n import gettext_
from coopfed.web.round_chart import RoundBar, Segment, round_chart
from governance.i18n import N_

WIN_RGB = "0, 114, 178"  # blue: the row's option beats the column's
LOSS_RGB = "213, 94, 0"  # vermillion: it loses


def decimal_of(raw: object) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class RoundRow:
    """One round (instant-runoff) or stage (STV) of a ranked count."""

    number: str
    kind: str  # STV: first_preferences | surplus | exclusion; "" for instant-runoff
    candidate: str | None  # STV: whose surplus is transferred or who is excluded
    totals: tuple[str | None, ...]  # per option, in the columns' order; None: out of the count
    elected: tuple[str, ...]
    removed: tuple[str, ...]  # eliminated (instant-runoff) or excluded (STV)
    out: str  # weight out of the count so far: exhausted (IRV) or non-transferable (STV)


@dataclass(frozen=True)
class PairCell:
    value: str | None  # None on the diagonal
    state: str  # "win" | "loss" | "tie" | "" (diagonal)
    style: str  # the heat-map shade, an inline CSS background


@dataclass(frozen=True)
class PairwiseRow:
    label: str
    cells: tuple[PairCell, ...]


def rounds_of(details: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[RoundRow, ...]:
    rows: list[RoundRow] = []
    out = Decimal(0)
    for raw in details.get("rounds", []):
        totals: Mapping[str, str] = raw.get("totals", {})
        candidate = raw.get("candidate")
        if "exhausted" in raw:  # instant-runoff: cumulative already
            out = decimal_of(raw["exhausted"])
        else:  # STV: per stage
            out += decimal_of(raw.get("non_transferable", 0))
        rows.append(
            RoundRow(
                number=str(raw.get("round", raw.get("stage", len(rows) + 1))),
                kind=str(raw.get("type", "")),
                candidate=labels.get(candidate, candidate) if candidate else None,
                totals=tuple(totals.get(key) for key in labels),
                elected=tuple(labels.get(k, k) for k in raw.get("elected", [])),
                removed=tuple(
                    labels.get(k, k) for k in (raw.get("eliminated") or raw.get("excluded") or [])
                ),
                out=str(out.normalize()) if out else "0",
            )
        )
    return tuple(rows)


def _heat(
    details: Mapping[str, Any], labels: Mapping[str, str], name: str
) -> tuple[PairwiseRow, ...]:
    keys: Sequence[str] = details.get("options", [])
    matrix = [[decimal_of(cell) for cell in row] for row in details.get(name, [])]
    if len(matrix) != len(keys):
        return ()
    largest = max((max(row, default=Decimal(0)) for row in matrix), default=Decimal(0))
    rows = []
    for i, key in enumerate(keys):
        cells = []
        for j, value in enumerate(matrix[i]):
            if i == j:
                cells.append(PairCell(None, "", ""))
                continue
            other = matrix[j][i]
            state = "win" if value > other else "loss" if value < other else "tie"
            strength = abs(value - other) / largest if largest > 0 else Decimal(0)
            alpha = (Decimal("0.12") + Decimal("0.6") * strength).quantize(Decimal("0.01"))
            rgb = WIN_RGB if state == "win" else LOSS_RGB
            style = "" if state == "tie" else f"background-color: rgba({rgb}, {alpha})"
            cells.append(PairCell(str(details[name][i][j]), state, style))
        rows.append(PairwiseRow(labels.get(key, key), tuple(cells)))
    return tuple(rows)


def pairwise_of(details: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[PairwiseRow, ...]:
    return _heat(details, labels, "pairwise")


def strongest_paths_of(
    details: Mapping[str, Any], labels: Mapping[str, str]
) -> tuple[PairwiseRow, ...]:
    return _heat(details, labels, "strongest_paths")


@dataclass(frozen=True)
class LazyRoundChart:
    """The rounds chart, drawn when the page renders so that its texts are translated."""

    method: str
    option_labels: tuple[str, ...]
    rounds: tuple[RoundRow, ...]
    number: Callable[[object], str]

    def __html__(self) -> str:
        stv = self.method == "stv"
        title = gettext_(
            N_("Votes per option at each stage") if stv else N_("Votes per option at each round")
        )
        out = gettext_(N_("Non-transferable") if stv else N_("Exhausted"))
        bars = []
        for row in self.rounds:
            segments = [
                None if total is None else Segment(decimal_of(total), self.number(total))
                for total in row.totals
            ]
            segments.append(Segment(decimal_of(row.out), self.number(row.out)))
            label = gettext_(N_("Stage %(n)s")) if stv else gettext_(N_("Round %(n)s"))
            bars.append(RoundBar(label % {"n": row.number}, tuple(segments)))
        return str(round_chart(title, (*self.option_labels, out), bars))
