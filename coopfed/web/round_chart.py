"""Rounds of a ranked count (instant-runoff rounds, STV stages) as one stacked bar per round,
drawn on the server as inline SVG: each option's votes are a segment in its own colour, and
the weight that left the count (exhausted or non-transferable) a grey segment at the end.

Like :mod:`coopfed.web.chart`, the SVG is an image named by its ``<title>`` and described by
a ``<desc>`` listing every round's figures; the page shows the same figures as a table.
Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies),
and a legend names each one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 90
BAR_AREA = WIDTH - LABEL_WIDTH - 20
ROW = 30
BAR_HEIGHT = 20
PAD = 8
LEGEND_ROW = 22
LEGEND_COLUMNS = 3
MAX_LABEL = 22
MIN_LABELLED = Decimal(34)  # narrower segments carry no figure (the table and desc have it)
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
DARK_TEXT = frozenset({"#e69f00", "#56b4e9", "#f0e442", "#c8c8cc"})
OUT_COLOUR = "#c8c8cc"
TEXT_COLOUR = "#1d1d1f"
PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class Segment:
    value: Decimal
    shown: str


@dataclass(frozen=True)
class RoundBar:
    """One round: its label and one segment per series (``None``: not in the count)."""

    label: str
    segments: tuple[Segment | None, ...]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def colour(index: int, series_count: int, *, out_last: bool) -> str:
    if out_last and index == series_count - 1:
        return OUT_COLOUR
    return PALETTE[index % len(PALETTE)]


def round_chart(
    title: str,
    series: Sequence[str],
    bars: Sequence[RoundBar],
    *,
    out_last: bool = True,
    chart_id: str = "rounds-chart",
) -> Markup:
    """Stacked horizontal bars, one per round; ``series`` names the segments (options, then,
    with ``out_last``, the weight out of the count)."""
    largest = max(
        (sum((s.value for s in bar.segments if s is not None), Decimal(0)) for bar in bars),
        default=Decimal(0),
    )
    legend_rows = -(-len(series) // LEGEND_COLUMNS)
    top_of_legend = PAD * 2 + ROW * max(len(bars), 1)
    height = top_of_legend + LEGEND_ROW * legend_rows + PAD
    description = "; ".join(
        f"{bar.label}: "
        + ", ".join(
            f"{name} {segment.shown}"
            for name, segment in zip(series, bar.segments, strict=True)
            if segment is not None
        )
        for bar in bars
    )
    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    for row, bar in enumerate(bars):
        middle = PAD + ROW * row + ROW // 2
        parts.append(
            f'<g><text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}">{escape(bar.label)}</text>'
        )
        left = Decimal(LABEL_WIDTH)
        for index, segment in enumerate(bar.segments):
            if segment is None or segment.value <= 0 or largest <= 0:
                continue
            length = (Decimal(BAR_AREA) * segment.value / largest).quantize(
                PIXEL, rounding=ROUND_HALF_EVEN
            )
            fill = colour(index, len(series), out_last=out_last)
            parts.append(
                f'<rect x="{left}" y="{middle - BAR_HEIGHT // 2}" width="{length}" '
                f'height="{BAR_HEIGHT}" fill="{fill}" stroke="#fff" stroke-width="1"/>'
            )
            if length >= MIN_LABELLED:
                ink = TEXT_COLOUR if fill in DARK_TEXT else "#fff"
                parts.append(
                    f'<text x="{left + length / 2}" y="{middle}" text-anchor="middle" '
                    f'dominant-baseline="middle" fill="{ink}">{escape(segment.shown)}</text>'
                )
            left += length
        parts.append("</g>")
    column_width = (WIDTH - 2 * PAD) // LEGEND_COLUMNS
    for index, name in enumerate(series):
        x = PAD + column_width * (index % LEGEND_COLUMNS)
        y = top_of_legend + LEGEND_ROW * (index // LEGEND_COLUMNS)
        parts.append(
            f'<g><rect x="{x}" y="{y}" width="14" height="14" '
            f'fill="{colour(index, len(series), out_last=out_last)}"/>'
            f'<text x="{x + 20}" y="{y + 7}" dominant-baseline="middle" fill="{TEXT_COLOUR}">'
            f"{escape(_short(name))}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
