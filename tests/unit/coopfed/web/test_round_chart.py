"""The rounds chart (stacked bars per round) and the heat-map cells of the Schulze tables."""

from __future__ import annotations

from decimal import Decimal

from coopfed.web.ranked_result import pairwise_of, rounds_of
from coopfed.web.round_chart import OUT_COLOUR, PALETTE, RoundBar, Segment, round_chart


def test_round_chart__one_stacked_bar_per_round_with_legend_and_description() -> None:
    bars = [
        RoundBar("Round 1", (Segment(Decimal(3), "3"), Segment(Decimal(2), "2"),
                             Segment(Decimal(0), "0"))),
        RoundBar("Round 2", (Segment(Decimal(4), "4"), None, Segment(Decimal(1), "1"))),
    ]
    svg = str(round_chart("Votes <per> round", ("A & B", "C", "Exhausted"), bars))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=\"rounds-chart-title\">Votes &lt;per&gt; round</title>" in svg
    assert "Round 1: A &amp; B 3, C 2, Exhausted 0; Round 2: A &amp; B 4, Exhausted 1" in svg
    # Round 1 has two visible segments, round 2 two (C is out, nothing exhausted drawn at 0).
    assert svg.count(f'fill="{PALETTE[0]}" stroke') == 2
    assert svg.count(f'fill="{OUT_COLOUR}" stroke') == 1
    assert svg.count("<rect") == 4 + 3  # segments + legend swatches


def test_rounds_of__stv_non_transferable_accumulates_and_irv_exhausted_is_taken_as_is() -> None:
    labels = {"o1": "Ana", "o2": "Ben"}
    stv = rounds_of(
        {"rounds": [
            {"stage": 1, "totals": {"o1": "3", "o2": "1"}, "non_transferable": "0"},
            {"stage": 2, "totals": {"o1": "2", "o2": "1"}, "non_transferable": "0.5"},
            {"stage": 3, "totals": {"o1": "2"}, "non_transferable": "0.25"},
        ]},
        labels,
    )
    assert [r.out for r in stv] == ["0", "0.5", "0.75"]
    assert stv[2].totals == ("2", None)
    irv = rounds_of({"rounds": [{"round": 1, "totals": {"o1": "1"}, "exhausted": "2"}]}, labels)
    assert irv[0].out == "2" and irv[0].number == "1"


def test_pairwise_of__shades_wins_and_losses_by_margin() -> None:
    details = {"options": ["o1", "o2", "o3"],
               "pairwise": [["0", "3", "2"], ["1", "0", "2"], ["2", "2", "0"]]}
    rows = pairwise_of(details, {"o1": "A", "o2": "B", "o3": "C"})
    assert [c.state for c in rows[0].cells] == ["", "win", "tie"]
    assert [c.state for c in rows[1].cells] == ["loss", "", "tie"]
    assert rows[0].cells[1].style == "background-color: rgba(0, 114, 178, 0.52)"
    assert rows[1].cells[0].style == "background-color: rgba(213, 94, 0, 0.52)"
    assert rows[0].cells[2].style == ""
