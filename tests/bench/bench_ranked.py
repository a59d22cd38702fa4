"""Time the ranked methods on the columnar path, 1,000,000 ballots each.

- Schulze over 10 options (every ballot ranks 1..10 of them), budget 2 s;
- Schulze over 100 options (every ballot ranks 1..10 of them), budget 10 s;
- instant-runoff over 10 options (every ballot ranks 1..10 of them), budget 3 s.

Run: /work/venv/bin/python tests/bench/bench_ranked.py
Not collected by pytest (named bench_*.py). Figures are the best of a few runs of
``tally_columns`` (validation of the rank matrix included); building the random rank matrix
is not timed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import numpy as np

# Run as a plain script from anywhere: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from governance.tally import METHODS, BallotColumns, ClassWeight, Method, Rules, tally_columns
from governance.tally.methods.irv import INSTANT_RUNOFF_METHOD
from governance.tally.methods.ranked import rank_dtype
from governance.tally.methods.schulze import SCHULZE_METHOD

T = TypeVar("T")
BALLOTS = 1_000_000
REPEAT = 3
CHUNK = 100_000
RANKED = {
    **METHODS,
    Method.SCHULZE: SCHULZE_METHOD,
    Method.INSTANT_RUNOFF: INSTANT_RUNOFF_METHOD,
}


def best_of(label: str, action: Callable[[], T], repeat: int = REPEAT) -> tuple[T, float]:
    best = float("inf")
    value: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<52} {best * 1000:9.1f} ms")
    assert value is not None
    return value, best


def electorate() -> tuple[ClassWeight, ...]:
    # Three colleges, supporters capped at 20 %; eligible weight leaves room for 1M ballots.
    return (
        ClassWeight("worker", Decimal(400_000)),
        ClassWeight("user", Decimal(700_000), cap=Decimal("0.5")),
        ClassWeight("supporter", Decimal(900_000), cap=Decimal("0.2")),
    )


def random_columns(rng: np.random.Generator, options: int, longest: int) -> BallotColumns:
    """Each ballot ranks a random 1..``longest`` options in a random order (with a slight
    preference for low option numbers, so that results are not all ties)."""
    matrix = np.zeros((BALLOTS, options), dtype=rank_dtype(options))
    bias = np.linspace(0.0, 1.0, options, dtype=np.float32)
    for start in range(0, BALLOTS, CHUNK):
        rows = min(CHUNK, BALLOTS - start)
        keys = rng.random((rows, options), dtype=np.float32) + 0.3 * bias
        positions = np.argsort(np.argsort(keys, axis=1), axis=1) + 1
        lengths = rng.integers(1, longest + 1, size=(rows, 1))
        matrix[start : start + rows] = np.where(positions <= lengths, positions, 0)
    return BallotColumns(
        class_index=rng.choice(3, size=BALLOTS, p=[0.3, 0.35, 0.35]).astype(np.intp),
        weight_units=np.full(BALLOTS, 1_000_000, dtype=np.int64),
        choices=matrix,
    )


def bench(
    rng: np.random.Generator, method: Method, options: int, longest: int, budget: float
) -> tuple[str, float, float]:
    name = f"{method} {BALLOTS:,} ballots, {options} options (rank 1..{longest})"
    print(name)
    rules = Rules(
        method,
        electorate(),
        quorum=Decimal("0.25"),
        options=tuple(f"option-{n}" for n in range(options)),
    )
    columns = random_columns(rng, options, longest)
    result, seconds = best_of(
        "tally_columns", lambda: tally_columns(columns, rules, methods=RANKED)
    )
    rounds = result.details.get("rounds")
    extra = f", {len(rounds)} rounds" if isinstance(rounds, tuple) else ""
    print(f"  -> {result.outcome} {result.winners or result.tied}{extra}")
    return name, seconds, budget


def main() -> None:
    rng = np.random.default_rng(2024)
    figures = [
        bench(rng, Method.SCHULZE, 10, 10, 2.0),
        bench(rng, Method.SCHULZE, 100, 10, 10.0),
        bench(rng, Method.INSTANT_RUNOFF, 10, 10, 3.0),
    ]
    for name, seconds, budget in figures:
        verdict = "ok" if seconds < budget else "OVER BUDGET"
        print(f"{name}: {seconds:.3f} s ({verdict}, budget {budget} s)")


if __name__ == "__main__":
    main()
