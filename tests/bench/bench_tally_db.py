"""Time the tally *through the database*: 1,000,000 roll-call majority ballots, 1,000,000
approval ballots over 10 options and 1,000,000 Schulze ballots ranking 1..10 of 10 options,
stored in the real tables with their electorate, counted by ``governance.proposal.counting``
on SQLite (a temporary file) and on PostgreSQL.

Run: /work/venv/bin/python tests/bench/bench_tally_db.py [--ballots N] [--no-sqlite]
     [--no-postgres] [--postgres-url URL] [--no-per-ballot] [--only schulze ...]
Not collected by pytest (named bench_*.py). PostgreSQL gets its own throwaway database, created
and dropped here (as tests/pg.py does); the default server is
postgresql://postgres@127.0.0.1:5432/test.

What is timed, per backend and proposal:
- ``count`` (the columnar path used at close), split into reading the columns from SQL
  (``columnar_inputs``) and ``tally_columns``; best of 3 and the first (cold) run;
- ``count_per_ballot`` (one ORM object and one ``Ballot`` per stored ballot), once, to show
  why the columnar path exists; both results must be identical.
The pure-function figures of tests/bench/bench_tally.py are printed at the end for comparison.

Rows are bulk-loaded straight into the tables (executemany on SQLite, COPY on PostgreSQL) in
the shapes the application writes, then ANALYZEd.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

import asyncpg  # noqa: E402

from coopfed import bootstrap  # noqa: E402
from coopfed.context import AppContext, build_context  # noqa: E402
from coopfed.settings import Settings  # noqa: E402
from governance.bylaws.presets import preset  # noqa: E402
from governance.membership_class import MembershipClass  # noqa: E402
from governance.proposal import counting  # noqa: E402
from governance.proposal.model import Proposal, ProposalOption, ProposalStatus  # noqa: E402
from governance.tally import tally_columns  # noqa: E402
from tests import pg  # noqa: E402

T = TypeVar("T")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
OPTIONS = 10
CLASSES = (("worker", None), ("user", "0.5"), ("supporter", "0.2"))
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MAJORITY_JSON = ('{"vote": "yes"}', '{"vote": "no"}', '{"vote": "abstain"}')


# --- the data ------------------------------------------------------------------------------


class Data:
    """What is loaded: N members in three classes, and per proposal N ballots."""

    def __init__(self, ballots: int, seed: int = 2024) -> None:
        rng = np.random.default_rng(seed)
        self.n = ballots
        self.member_class = rng.choice(3, size=ballots, p=[0.3, 0.35, 0.35]).tolist()
        self.majority = rng.integers(0, 3, size=ballots).tolist()
        picks = rng.integers(0, OPTIONS, size=(ballots, 3))
        keep = rng.random((ballots, 3)) < 0.7
        self.approval: list[str] = []
        cache: dict[tuple[int, ...], str] = {}
        for row, kept in zip(picks.tolist(), keep.tolist(), strict=True):
            chosen = tuple(sorted({p for p, k in zip(row, kept, strict=True) if k}))
            text = cache.get(chosen)
            if text is None:
                text = cache[chosen] = json.dumps({"approve": [f"o{p + 1}" for p in chosen]})
            self.approval.append(text)
        # Ranked: a random order of the options, cut after 1..10 of them.
        orders = rng.permuted(np.tile(np.arange(OPTIONS), (ballots, 1)), axis=1)
        lengths = rng.integers(1, OPTIONS + 1, size=ballots)
        keys = [f'"o{p + 1}"' for p in range(OPTIONS)]
        self.ranked = [
            '{"ranking": [' + ", ".join(keys[p] for p in row[:length]) + "]}"
            for row, length in zip(orders.tolist(), lengths.tolist(), strict=True)
        ]


def member_rows(data: Data, class_ids: list[int], at: Any) -> Iterator[tuple[Any, ...]]:
    for i in range(data.n):
        member_id = i + 1
        yield (
            member_id, f"m{member_id}@bench.example", f"m{member_id}", f"Member {member_id}",
            "en", None, "member", "member", class_ids[data.member_class[i]], at, at, None,
        )


def electorate_rows(data: Data, proposal_id: int, weight: Any) -> Iterator[tuple[Any, ...]]:
    slugs = [slug for slug, _ in CLASSES]
    for i in range(data.n):
        yield (proposal_id, i + 1, slugs[data.member_class[i]], weight)


def ballot_rows(
    data: Data, proposal_id: int, choices: list[str], at: Any
) -> Iterator[tuple[Any, ...]]:
    for i in range(data.n):
        yield (proposal_id, i + 1, i + 1, choices[i], "", f"{proposal_id:04x}{i:060x}", at)


MEMBER_COLUMNS = (
    "id", "email", "username", "display_name", "language", "password_hash", "role", "status",
    "class_id", "created_at", "admitted_at", "password_changed_at",
)
ELECTORATE_COLUMNS = ("proposal_id", "member_id", "class_key", "weight")
BALLOT_COLUMNS = (
    "proposal_id", "voter_id", "cast_by_id", "choice", "reason", "receipt_digest", "cast_at"
)


# --- the application rows (through the ORM, as the application writes them) ----------------


async def make_proposals(ctx: AppContext) -> tuple[list[int], dict[str, int]]:
    bylaws = preset("worker_coop")
    caps = {slug: cap for slug, cap in CLASSES}
    async with ctx.session() as db:
        classes = [
            MembershipClass(
                slug=slug, name=slug.title(), description="", vote_weight=Decimal(1),
                weight_cap=None if cap is None else Decimal(cap),
                created_at=START,
            )
            for slug, cap in CLASSES
        ]
        db.add_all(classes)
        proposals = {}
        for name, kind_key, changes in (
            ("majority", "ordinary", {"quorum": "0.25"}),
            ("approval", "choice", {"quorum": "0.25", "max_choices": 3}),
            ("schulze", "choice", {"quorum": "0.25", "method": "schulze", "max_choices": None}),
        ):
            rules = {**bylaws.kind(kind_key).to_json(), **changes, "class_caps": caps}
            proposal = Proposal(
                kind=kind_key, title=f"Bench {name}", body_md="", body_html="",
                status=ProposalStatus.OPEN, author_id=None, created_at=START, opens_at=START,
                closes_at=START + timedelta(days=3), opened_at=START, rules=rules,
                bylaws_version=1, outcome_statement="", outcome_html="",
                closing_reminder_sent=False, public=False,
            )
            db.add(proposal)
            await db.flush()
            proposals[name] = proposal.id
        for position in range(OPTIONS):
            for name in ("approval", "schulze"):
                db.add(ProposalOption(proposal_id=proposals[name], key=f"o{position + 1}",
                                      position=position, label=f"Option {position + 1}"))
        await db.commit()
        return [c.id for c in classes], proposals


# --- bulk loading --------------------------------------------------------------------------

ONLY: set[str] = set()  # --only: the proposals to load and count (all when empty)


def chosen(data: Data) -> list[tuple[str, list[str]]]:
    every = [("majority", [MAJORITY_JSON[c] for c in data.majority]),
             ("approval", data.approval), ("schulze", data.ranked)]
    return [(name, choices) for name, choices in every if not ONLY or name in ONLY]


def load_sqlite(path: Path, data: Data, class_ids: list[int], proposals: dict[str, int]) -> None:
    at = START.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's format
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            conn.executemany(_insert("members", MEMBER_COLUMNS),
                             member_rows(data, class_ids, at))
            for name, choices in chosen(data):
                pid = proposals[name]
                conn.executemany(_insert("proposal_electorate", ELECTORATE_COLUMNS),
                                 electorate_rows(data, pid, "1"))
                conn.executemany(_insert("ballots", BALLOT_COLUMNS),
                                 ballot_rows(data, pid, choices, at))
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


async def load_postgres(
    url: str, data: Data, class_ids: list[int], proposals: dict[str, int]
) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "members", records=member_rows(data, class_ids, START), columns=MEMBER_COLUMNS
        )
        for name, choices in chosen(data):
            pid = proposals[name]
            await conn.copy_records_to_table(
                "proposal_electorate", records=electorate_rows(data, pid, Decimal(1)),
                columns=ELECTORATE_COLUMNS,
            )
            await conn.copy_records_to_table(
                "ballots", records=ballot_rows(data, pid, choices, START), columns=BALLOT_COLUMNS
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# --- timing --------------------------------------------------------------------------------


async def timed(action: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    value = await action()
    return value, time.perf_counter() - start


def show(label: str, seconds: float, note: str = "") -> None:
    print(f"    {label:<46} {seconds * 1000:10.1f} ms  {note}")


async def bench_counts(ctx: AppContext, proposals: dict[str, int], per_ballot: bool) -> None:
    for name, pid in proposals.items():
        if ONLY and name not in ONLY:
            continue
        print(f"  {name}")
        runs = []
        for _ in range(3):
            async with ctx.session() as db:
                proposal = await db.get(Proposal, pid)
                assert proposal is not None
                (columns, rules), read = await timed(
                    lambda p=proposal, d=db: counting.columnar_inputs(d, p)  # type: ignore[misc]
                )
                start = time.perf_counter()
                result = tally_columns(columns, rules)
                runs.append((read, time.perf_counter() - start, result))
        best_read = min(r[0] for r in runs)
        best_tally = min(r[1] for r in runs)
        best_total = min(r[0] + r[1] for r in runs)
        result = runs[0][2]
        show("count(): read columns from SQL (best of 3)", best_read)
        show("count(): tally_columns (best of 3)", best_tally)
        show("count(): total (best of 3)", best_total,
             f"first run {(runs[0][0] + runs[0][1]) * 1000:.0f} ms -> {result.outcome}, "
             f"{result.ballot_count:,} ballots")
        if per_ballot:
            async with ctx.session() as db:
                proposal = await db.get(Proposal, pid)
                assert proposal is not None
                slow, seconds = await timed(
                    lambda p=proposal, d=db: counting.count_per_ballot(d, p)  # type: ignore[misc]
                )
            show("count_per_ballot(): ORM objects + tally()", seconds,
                 f"{seconds / best_total:.0f}x the columnar path")
            same = counting.result_to_json(slow, secret=False) == counting.result_to_json(
                result, secret=False)
            print(f"    identical results: {same}")
            assert same, "the columnar and per-ballot paths disagree"


async def bench_backend(
    label: str, settings: Settings, data: Data, per_ballot: bool,
    load: Callable[[list[int], dict[str, int]], Awaitable[None]],
) -> None:
    names = [name for name, _ in chosen(data)]
    print(f"\n{label}: {data.n:,} ballots each for {', '.join(names)} ({OPTIONS} options)")
    ctx = build_context(settings)
    try:
        await bootstrap.prepare_schema(ctx, upgrade=True)
        class_ids, proposals = await make_proposals(ctx)
        _, seconds = await timed(lambda: load(class_ids, proposals))
        print(f"  bulk load of {data.n:,} members, {len(names) * data.n:,} electorate rows and "
              f"{len(names) * data.n:,} ballots: {seconds:.1f} s")
        await bench_counts(ctx, proposals, per_ballot)
    finally:
        await ctx.dispose()


async def run_sqlite(data: Data, per_ballot: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="coopfed-bench-") as folder:
        settings = Settings(data_dir=Path(folder), database_url="")
        path = Path(folder) / "coopfed.db"

        async def load(class_ids: list[int], proposals: dict[str, int]) -> None:
            await asyncio.to_thread(load_sqlite, path, data, class_ids, proposals)

        await bench_backend("SQLite (temporary file)", settings, data, per_ballot, load)
        print(f"  database file: {path.stat().st_size / 2**20:.0f} MiB")


async def run_postgres(url: str, data: Data, per_ballot: bool) -> None:
    name = f"coopfed_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await pg.create_database(url, name)
    db_url = pg.with_database(url, name)
    try:
        settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=db_url)

        async def load(class_ids: list[int], proposals: dict[str, int]) -> None:
            await load_postgres(db_url, data, class_ids, proposals)

        await bench_backend(f"PostgreSQL ({pg.redact(url)}, database {name})", settings, data,
                            per_ballot, load)
    finally:
        await pg.drop_database(url, name)


def pure_figures() -> None:
    """tests/bench/bench_tally.py's figures, in this run, for comparison."""
    spec = importlib.util.spec_from_file_location("bench_tally", Path(__file__).with_name(
        "bench_tally.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("\nPure functions (tests/bench/bench_tally.py), same process:")
    module.main()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-per-ballot", action="store_true",
                        help="skip the slow per-ballot reference count")
    parser.add_argument("--no-pure", action="store_true", help="skip bench_tally.py's figures")
    parser.add_argument("--postgres-url", default=os.environ.get("COOPFED_BENCH_PG", PG_DEFAULT))
    parser.add_argument("--only", action="append", choices=["majority", "approval", "schulze"],
                        help="load and count only this proposal (repeatable)")
    args = parser.parse_args()
    ONLY.update(args.only or ())
    start = time.perf_counter()
    data = Data(args.ballots)
    print(f"generated {args.ballots:,} ballots per proposal in {time.perf_counter() - start:.1f} s")
    if not args.no_sqlite:
        asyncio.run(run_sqlite(data, not args.no_per_ballot))
    if not args.no_postgres:
        asyncio.run(run_postgres(args.postgres_url, data, not args.no_per_ballot))
    if not args.no_pure:
        pure_figures()


if __name__ == "__main__":
    main()
