"""Time the columnar tally path on 1,000,000 ballots (majority, and approval over 10 options).

Run: /work/venv/bin/python tests/bench/bench_tally.py
Not collected by pytest (named bench_*.py). Each figure is the best of a few runs.
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

from governance.tally import (
    Ballot,
    BallotColumns,
    ClassWeight,
    MajorityChoice,
    Method,
    Rules,
    tally,
    tally_columns,
)

T = TypeVar("T")
BALLOTS = 1_000_000
OPTIONS = 10
REPEAT = 5
BUDGET = 1.0  # seconds, per tally including building the columns


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


def raw_rows(rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """What a database cursor hands over: plain ints per ballot (class index, weight units)."""
    class_index = rng.choice(3, size=BALLOTS, p=[0.3, 0.35, 0.35]).tolist()
    units = [1_000_000] * BALLOTS  # weight 1 in micro-units
    return class_index, units


def bench_majority(rng: np.random.Generator) -> float:
    print(f"majority, {BALLOTS:,} ballots")
    rules = Rules(Method.MAJORITY, electorate(), quorum=Decimal("0.25"))
    class_index, units = raw_rows(rng)
    codes = rng.integers(0, 3, size=BALLOTS).astype(np.int8).tolist()

    def build() -> BallotColumns:
        return BallotColumns(
            class_index=np.array(class_index, dtype=np.intp),
            weight_units=np.array(units, dtype=np.int64),
            choices=np.array(codes, dtype=np.int8),
        )

    columns, built = best_of("build columns from Python lists", build)
    result, counted = best_of("tally_columns", lambda: tally_columns(columns, rules))
    print(f"  {'total':<52} {(built + counted) * 1000:9.1f} ms   -> {result.outcome}")
    return built + counted


def bench_approval(rng: np.random.Generator) -> float:
    print(f"approval, {BALLOTS:,} ballots over {OPTIONS} options (k = 3)")
    options = tuple(f"option-{n}" for n in range(OPTIONS))
    rules = Rules(
        Method.APPROVAL, electorate(), quorum=Decimal("0.25"), options=options, max_choices=3
    )
    class_index, units = raw_rows(rng)
    # Up to 3 approvals per ballot, as (ballot, option) pairs: one row per approval in the DB.
    picks = rng.integers(0, OPTIONS, size=(BALLOTS, 3))
    keep = rng.random((BALLOTS, 3)) < 0.7
    rows, cols = np.nonzero(keep)
    ballot_ids = rows.tolist()
    option_ids = picks[rows, cols].tolist()

    def build() -> BallotColumns:
        matrix = np.zeros((BALLOTS, OPTIONS), dtype=np.bool_)
        matrix[np.array(ballot_ids, dtype=np.intp), np.array(option_ids, dtype=np.intp)] = True
        return BallotColumns(
            class_index=np.array(class_index, dtype=np.intp),
            weight_units=np.array(units, dtype=np.int64),
            choices=matrix,
        )

    columns, built = best_of("build columns from (ballot, option) rows", build)
    result, counted = best_of("tally_columns", lambda: tally_columns(columns, rules))
    print(f"  {'total':<52} {(built + counted) * 1000:9.1f} ms   -> {result.outcome}")
    return built + counted


def bench_dataclass_path(rng: np.random.Generator) -> None:
    print(f"for comparison: the friendly path, tally(list of Ballot), {BALLOTS:,} ballots each")
    ids = ("worker", "user", "supporter")
    classes = rng.choice(3, size=BALLOTS, p=[0.3, 0.35, 0.35]).tolist()
    one = Decimal(1)
    majority = Rules(Method.MAJORITY, electorate(), quorum=Decimal("0.25"))
    choices = tuple(MajorityChoice)
    ballots = [
        Ballot(ids[c], one, choices[k])
        for c, k in zip(classes, rng.integers(0, 3, size=BALLOTS).tolist(), strict=True)
    ]
    best_of("majority: to_columns + tally_columns", lambda: tally(ballots, majority), repeat=2)
    options = tuple(f"option-{n}" for n in range(OPTIONS))
    approval = Rules(
        Method.APPROVAL, electorate(), quorum=Decimal("0.25"), options=options, max_choices=3
    )
    picks = rng.integers(0, OPTIONS, size=(BALLOTS, 3)).tolist()
    ballots = [
        Ballot(ids[c], one, frozenset(options[p] for p in pick[: c + 1]))
        for c, pick in zip(classes, picks, strict=True)
    ]
    best_of("approval: to_columns + tally_columns", lambda: tally(ballots, approval), repeat=2)


def main() -> None:
    rng = np.random.default_rng(2024)
    majority = bench_majority(rng)
    approval = bench_approval(rng)
    bench_dataclass_path(rng)
    for name, seconds in (("majority", majority), ("approval", approval)):
        verdict = "ok" if seconds < BUDGET else "OVER BUDGET"
        print(f"{name}: {seconds:.3f} s for {BALLOTS:,} ballots ({verdict}, budget {BUDGET} s)")


if __name__ == "__main__":
    main()
