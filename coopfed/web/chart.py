"""Horizontal bar charts drawn on the server as inline SVG: no JavaScript, no stylesheet needed.

The chart is an image to assistive technology (``role="img"``) named by its ``<title>`` and
described by a ``<desc>`` that lists every bar with its value, so a screen reader gets the same
figures as the eye. Pages show the figures as a table beside it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 200
BAR_AREA = 340
ROW = 30
BAR_HEIGHT = 18
PAD = 8
MAX_LABEL = 30
BAR_COLOUR = "#8d8d96"
HIGHLIGHT_COLOUR = "#6a1fb0"
TEXT_COLOUR = "#1d1d1f"
PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, the value as the page shows it, and whether it is a
    winner (drawn in the accent colour)."""

    label: str
    value: Decimal
    shown: str
    highlight: bool = False


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _length(value: Decimal, largest: Decimal) -> Decimal:
    if largest <= 0 or value <= 0:
        return Decimal(0)
    return (Decimal(BAR_AREA) * value / largest).quantize(PIXEL, rounding=ROUND_HALF_EVEN)


def bar_chart(title: str, bars: Sequence[Bar], *, chart_id: str = "chart") -> Markup:
    """An accessible SVG bar chart; every text is escaped."""
    largest = max((bar.value for bar in bars), default=Decimal(0))
    height = PAD * 2 + ROW * max(len(bars), 1)
    description = "; ".join(f"{bar.label}: {bar.shown}" for bar in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="system-ui, sans-serif" font-size="14">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        top = PAD + ROW * index
        middle = top + ROW // 2
        length = _length(bar.value, largest)
        colour = HIGHLIGHT_COLOUR if bar.highlight else BAR_COLOUR
        weight = ' font-weight="700"' if bar.highlight else ""
        parts.append(
            f'<g><text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}">{escape(_short(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{middle - BAR_HEIGHT // 2}" width="{length}" '
            f'height="{BAR_HEIGHT}" rx="2" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}"{weight}>'
            f"{escape(bar.shown)}</text></g>"
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{PAD // 2}" x2="{LABEL_WIDTH}" y2="{height - PAD // 2}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
