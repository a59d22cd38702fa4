"""Time Scottish STV on 100,000 ballots, 20 candidates, 5 seats (target: under 5 s).

Run: /work/venv/bin/python tests/bench/bench_stv.py
Not collected by pytest (named bench_*.py). Each figure is the best of a few runs.

The ballots are drawn from a skewed model (popular candidates ranked first more often, and
most voters ranking only their top 3 to 8), with three membership classes and a cap, so that
identical rankings recur as they do in real elections; the count merges identical rankings
before counting. A second run uses 100,000 *distinct* complete rankings: the worst case for
that merge.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

# Run as a plain script from anywhere: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from governance.tally import (
    METHODS,
    Ballot,
    BallotColumns,
    ClassWeight,
    Method,
    Rules,
    TallyResult,
    tally,
    tally_columns,
)
from governance.tally.methods.stv import STV_METHOD

T = TypeVar("T")
BALLOTS = 100_000
CANDIDATES = 20
SEATS = 5
REPEAT = 3
BUDGET = 5.0  # seconds
STV_METHODS = {**METHODS, Method.STV: STV_METHOD}
OPTIONS = tuple(f"candidate-{index:02d}" for index in range(CANDIDATES))


def best_of(label: str, action: Callable[[], T], repeat: int = REPEAT) -> tuple[T, float]:
    best = float("inf")
    value: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<56} {best * 1000:9.1f} ms")
    assert value is not None
    return value, best


def rules() -> Rules:
    return Rules(
        Method.STV,
        (
            ClassWeight("worker", Decimal(40_000)),
            ClassWeight("user", Decimal(50_000), cap=Decimal("0.5")),
            ClassWeight("supporter", Decimal(40_000), cap=Decimal("0.2")),
        ),
        options=OPTIONS,
        seats=SEATS,
    )


def skewed_rankings(rng: np.random.Generator) -> np.ndarray:
    """Rankings as option positions padded with -1: a Plackett–Luce draw with Zipf-like
    popularity, truncated after 3–8 preferences."""
    popularity = 1.0 / np.arange(1, CANDIDATES + 1) ** 0.9
    keys = rng.gumbel(size=(BALLOTS, CANDIDATES)) + np.log(popularity)
    order = np.argsort(-keys, axis=1).astype(np.int16)
    # Round the model's noise: a few hundred party-line rankings dominate, as in real counts.
    lengths = rng.choice(np.arange(3, 9), size=BALLOTS, p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05])
    mask = np.arange(CANDIDATES)[None, :] >= lengths[:, None]
    order[mask] = -1
    common = order[: BALLOTS // 50]
    pick = rng.integers(0, len(common), size=BALLOTS)
    reuse = rng.random(BALLOTS) < 0.7
    order[reuse] = common[pick[reuse]]
    return order


def distinct_rankings(rng: np.random.Generator) -> np.ndarray:
    return np.argsort(rng.random((BALLOTS, CANDIDATES)), axis=1).astype(np.int16)


def columns_for(matrix: np.ndarray, rng: np.random.Generator) -> BallotColumns:
    class_index = rng.choice(3, size=BALLOTS, p=[0.4, 0.4, 0.2]).astype(np.intp)
    weight_units = np.full(BALLOTS, 1_000_000, dtype=np.int64)
    weight_units[rng.random(BALLOTS) < 0.1] = 500_000  # some half-weight members
    return BallotColumns(class_index=class_index, weight_units=weight_units, choices=matrix)


def describe(result: TallyResult, matrix: np.ndarray) -> None:
    distinct = len(np.unique(matrix, axis=0))
    rounds = result.details["rounds"]
    assert isinstance(rounds, list)
    print(
        f"    distinct rankings {distinct:,}; stages {len(rounds)}; quota "
        f"{result.details['quota']}; outcome {result.outcome}; winners {', '.join(result.winners)}"
    )


def main() -> None:
    rng = np.random.default_rng(2026)
    stv_rules = rules()
    print(f"STV (Scottish rules): {BALLOTS:,} ballots, {CANDIDATES} candidates, {SEATS} seats")
    failures = []
    for label, matrix in (
        ("skewed, truncated rankings", skewed_rankings(rng)),
        ("distinct complete rankings (worst case)", distinct_rankings(rng)),
    ):
        columns = columns_for(matrix, rng)
        result, seconds = best_of(
            f"tally_columns: {label}",
            partial(tally_columns, columns, stv_rules, methods=STV_METHODS),
        )
        describe(result, matrix)
        if seconds > BUDGET:
            failures.append(label)
    # The friendly path, from Ballot objects (encoding included), on the skewed ballots.
    matrix = skewed_rankings(rng)
    classes = ("worker", "user", "supporter")
    ballots = [
        Ballot(classes[index % 3], Decimal(1), tuple(OPTIONS[o] for o in row if o >= 0))
        for index, row in enumerate(matrix.tolist())
    ]
    _, seconds = best_of(
        "tally(ballots): skewed, encoding included",
        lambda: tally(ballots, stv_rules, methods=STV_METHODS),
        repeat=1,
    )
    if seconds > BUDGET:
        failures.append("tally(ballots)")
    print(f"  budget {BUDGET:.1f} s: {'exceeded by ' + ', '.join(failures) if failures else 'met'}")


if __name__ == "__main__":
    main()
