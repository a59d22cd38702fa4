"""Time the ledger on SQLite (a temporary file) and PostgreSQL: appending transactions through
``governance.ledger.journal.record`` (every invariant checked, leaf hashed), ``verify`` over the
whole log, and an RFC 9162 inclusion proof.

Run: .venv/bin/python tests/bench/bench_ledger.py [--transactions N] [--batch B]
     [--no-sqlite] [--no-postgres] [--postgres-url URL]
Not collected by pytest (named bench_*.py). PostgreSQL gets its own throwaway database, created
and dropped here; the default server is postgresql://postgres@127.0.0.1:5432/test.

Targets (issue #5): verify 100,000 transactions in under 10 s; an inclusion proof in under 1 ms.
What is timed, per backend:
- append: N two-posting transactions (a sale, a wage, a SHARES move every tenth, so the
  holdings check runs), through ``journal.record_many`` (the batch writer, for imports),
  committed every B transactions; per second; and 1,000 more one at a time through
  ``journal.record`` (one ORM transaction object each, what the API does);
- checkpoint: building the tree from the stored leaf hashes and signing-free publication;
- verify: every leaf rebuilt and hashed, every balance and checkpoint rechecked;
- inclusion proof: from the warm tree cache (what the API serves), mean over 10,000 proofs,
  and cold (reading every leaf hash from the database first).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from coopfed import bootstrap  # noqa: E402
from coopfed.context import AppContext, build_context  # noqa: E402
from coopfed.settings import Settings  # noqa: E402
from governance import merkle  # noqa: E402
from governance.clock import ManualClock  # noqa: E402
from governance.ledger import account, checkpoint, journal, verify  # noqa: E402
from governance.ledger.draft import Draft, PostingDraft  # noqa: E402
from tests import pg  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def drafts(n: int, seed: int = 5) -> list[Draft]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cents = Decimal(rng.randint(100, 500_000)) / 100
        day = date(2026, 1, 1) + timedelta(days=i * 365 // max(n, 1))
        if i % 10 == 9:
            lines = (PostingDraft("Equity:ShareRegister:M1", "SHARES", Decimal(1)),
                     PostingDraft("Equity:ShareRegister:Issued", "SHARES", Decimal(-1)))
        elif i % 2:
            lines = (PostingDraft("Expenses:Wages", "EUR", cents),
                     PostingDraft("Assets:Bank", "EUR", -cents))
        else:
            lines = (PostingDraft("Assets:Bank", "EUR", cents),
                     PostingDraft("Income:Sales", "EUR", -cents))
        out.append(Draft(day, f"Entry {i}", lines))
    return out


async def prepare(ctx: AppContext) -> None:
    await bootstrap.prepare_schema(ctx, upgrade=True)
    async with ctx.session() as db:
        from governance import member as members
        from governance.member import Member, Status

        db.add(Member(email="m1@example.org", username="m1", display_name="M1",
                      status=Status.MEMBER, created_at=START))
        await db.flush()
        await account.ensure_chart(db, "EUR", now=START)
        await account.ensure_member_accounts(db, (await members.find(db, "m1")).id, now=START)
        await db.commit()


async def run(label: str, settings: Settings, n: int, batch: int) -> None:
    ctx = build_context(settings, clock=ManualClock(START))
    try:
        await prepare(ctx)
        work = drafts(n)
        began, cpu = time.perf_counter(), time.process_time()
        for i in range(0, n, batch):
            async with ctx.session() as db:
                await journal.record_many(db, work[i:i + batch], by=None, now=START)
                await db.commit()
        append, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"[{label}] append {n:,} transactions: {append:.1f} s = {n / append:,.0f}/s "
              f"(record_many, batches of {batch}; {cpu:.1f} s CPU in this process)")
        single = drafts(1_000, seed=6)
        began = time.perf_counter()
        async with ctx.session() as db:
            for d in single:
                await journal.record(db, d, by=None, now=START)
            await db.commit()
        one = time.perf_counter() - began
        n += len(single)
        print(f"[{label}] append 1,000 more one by one: {1_000 / one:,.0f}/s (journal.record)")

        began = time.perf_counter()
        async with ctx.session() as db:
            made = await checkpoint.publish(db, None, now=START)
            await db.commit()
        assert made is not None and made.size == n
        print(f"[{label}] checkpoint over {n:,} leaves: {time.perf_counter() - began:.2f} s")

        async with ctx.session() as db:
            began, cpu = time.perf_counter(), time.process_time()
            report = await verify.verify(db)
            took, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert report.ok, report.problem
        # CPU time too: on a shared machine the wall-clock time mostly measures the others.
        print(f"[{label}] verify {report.size:,} transactions: {took:.2f} s wall, {cpu:.2f} s "
              f"CPU in this process (target < 10 s: {'met' if took < 10 else 'MISSED'})")

        cache = checkpoint.TreeCache()
        async with ctx.session() as db:
            began = time.perf_counter()
            log = await cache.tree(db)
            cold = time.perf_counter() - began
        root = log.root()
        rng = random.Random(1)
        seqs = [rng.randrange(n) for _ in range(10_000)]
        began = time.perf_counter()
        for seq in seqs:
            proof = checkpoint.inclusion(log, seq)
        warm = (time.perf_counter() - began) / len(seqs)
        assert merkle.verify_inclusion(bytes.fromhex(proof.leaf_hash), proof.seq, n,
                                       [bytes.fromhex(h) for h in proof.path], root)
        async with ctx.session() as db:
            began = time.perf_counter()
            log2 = await cache.tree(db)  # warm: only asks the head for new leaves
            checkpoint.inclusion(log2, seqs[0])
            served = time.perf_counter() - began
        print(f"[{label}] inclusion proof: {warm * 1e6:.0f} µs from the tree "
              f"(target < 1 ms: {'met' if warm < 1e-3 else 'MISSED'}); "
              f"{served * 1e3:.2f} ms as served (head read + proof); "
              f"cold tree load {cold:.2f} s")
    finally:
        await ctx.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("COOPFED_TEST_DATABASE_URL",
                                                                 PG_DEFAULT))
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run("sqlite", Settings(data_dir=Path(folder)), args.transactions,
                            args.batch))
    if not args.no_postgres:
        name = f"coopfed_bench_ledger_{uuid.uuid4().hex[:8]}"
        asyncio.run(pg.create_database(args.postgres_url, name))
        try:
            with tempfile.TemporaryDirectory() as folder:
                url = pg.with_database(args.postgres_url, name)
                asyncio.run(run("postgresql", Settings(data_dir=Path(folder), database_url=url),
                                args.transactions, args.batch))
        finally:
            asyncio.run(pg.drop_database(args.postgres_url, name))


if __name__ == "__main__":
    main()
