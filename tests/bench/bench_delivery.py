"""Fan-out: one activity delivered to 1,000 inboxes, each POST signed (RFC 9421, RSA-2048),
through the real queue (claims, safe client, outcome rows) to a receiver on loopback.

Run: .venv/bin/python tests/bench/bench_delivery.py [--inboxes 1000] [--concurrency 32]
     [--host-concurrency 8] [--no-sqlite] [--no-postgres] [--postgres-url URL] [--profile]
     [--processes N]
Not collected by pytest (named bench_*.py). Target: at least 500 signed deliveries per second.

The receiver is a small HTTP/1.1 server on raw asyncio streams in its own process (keep-alive,
answers 202 to every POST, counts them and keeps the first few requests). After the run the
kept requests' signatures are verified here with ``federation.httpsig.verify_request``, so the
figure is for requests a real inbox would accept. All 1,000 inboxes are on one host (as a
fan-out to one big server without a shared inbox), so at most ``--host-concurrency`` requests
(the setting's default, 8) are in flight over as many kept-alive connections. The raw RSA signing rate, the sender's CPU time per delivery and the load
average are printed with the result (CPU summed over the workers with ``--processes``).

``--processes N`` adds a PostgreSQL run (a new activity to the same 1,000 inboxes) drained
by N worker processes at once (the scale-out path: claims are ``FOR UPDATE SKIP LOCKED``;
each worker keeps its own per-host limit), timed from the moment all are ready; it is
printed on its own line beside the single-process figure.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from sqlalchemy import func, select  # noqa: E402

from coopfed import bootstrap  # noqa: E402
from coopfed.context import build_context  # noqa: E402
from coopfed.delivery_job import delivery_client  # noqa: E402
from coopfed.settings import Settings  # noqa: E402
from federation import keys  # noqa: E402
from federation.actor import COOP_NAME, LocalUrls  # noqa: E402
from federation.context import AS_PUBLIC  # noqa: E402
from federation.delivery import outbox  # noqa: E402
from federation.delivery.model import Delivery, DeliveryStatus  # noqa: E402
from federation.delivery.runner import DeliveryOptions, deliver_due  # noqa: E402
from federation.httpsig import PrivateKey, PublicKey, ResolvedKey, verify_request  # noqa: E402
from governance.clock import SystemClock  # noqa: E402
from tests import pg  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
KEPT = 5


# --- the receiver (its own process) -------------------------------------------------------


def _receiver_main(port_out: Any, stats: Any) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                signed = "signature" in headers and method == "POST"
                with stats.get_lock():
                    stats.value += 1 if signed else 0
                if signed and len(kept) < KEPT:
                    kept.append((target, headers, body.decode("utf-8")))
                    if len(kept) == KEPT:
                        kept_out.send(kept)
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    kept: list[tuple[str, dict[str, str], str]] = []
    kept_out = port_out

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_out.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- worker processes sharing the queue (PostgreSQL scale-out) ---------------------------


def _worker_main(settings: Settings, start: Any, out: Any) -> None:
    """One delivery worker: waits for ``start``, drains the queue with everyone else (claims
    are ``FOR UPDATE SKIP LOCKED``), reports (handled, CPU seconds)."""

    async def work() -> None:
        ctx = build_context(settings, clock=SystemClock())
        try:
            async with ctx.session() as db:
                await ctx.policy.reload(db)
            options = DeliveryOptions(
                concurrency=settings.delivery_concurrency,
                host_concurrency=settings.delivery_host_concurrency,
            )
            async with delivery_client(ctx) as client:
                out.put(None)  # ready
                await asyncio.to_thread(start.wait)
                cpu_started = time.process_time()
                handled = await deliver_due(
                    ctx.sessions, client, clock=ctx.clock.now, options=options
                )
                out.put((handled, time.process_time() - cpu_started))
        finally:
            await ctx.dispose()

    asyncio.run(work())


def run_workers(settings: Settings, processes: int) -> tuple[float, int, float]:
    """Deliver with ``processes`` worker processes; (wall seconds, handled, CPU seconds)."""
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, no inherited loop/pool
    start, out = spawn.Event(), spawn.Queue()
    workers = [
        spawn.Process(target=_worker_main, args=(settings, start, out)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        out.get(timeout=120)  # every worker is ready: start-up is not timed
    started = time.perf_counter()
    start.set()
    reports = [out.get(timeout=300) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join(30)
    return elapsed, sum(r[0] for r in reports), sum(r[1] for r in reports)


# --- one run -------------------------------------------------------------------------------


def activity(urls: LocalUrls) -> dict[str, Any]:
    actor = urls.actor(COOP_NAME)
    uid = uuid.uuid4().hex
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls.activity(uid),
        "type": "Create",
        "actor": actor,
        "to": [AS_PUBLIC],
        "object": {
            "id": f"{urls.base_url}/notes/{uid}",
            "type": "Note",
            "attributedTo": actor,
            "content": "<p>" + "A co-op announcement. " * 20 + "</p>",
        },
    }


async def run(
    label: str,
    database_url: str,
    data_dir: Path,
    port: int,
    args: argparse.Namespace,
    receiver_pid: int,
    processes: int = 1,
) -> tuple[float, str]:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        base_url="http://bench.example",
        federation_allow_networks=("127.0.0.0/8",),
        delivery_concurrency=args.concurrency,
        delivery_host_concurrency=args.host_concurrency,
    )
    ctx = build_context(settings, clock=SystemClock())
    try:
        await bootstrap.initialize(ctx, upgrade=True)
        urls = LocalUrls.of(settings.effective_base_url)
        async with ctx.session() as db:
            await ctx.policy.reload(db)
            public_pem = (await keys.current(db, keys.INSTANCE_ACTOR))[keys.KeyType.RSA].public_pem
            await outbox.publish(
                db,
                actor=keys.INSTANCE_ACTOR,
                activity=activity(urls),
                inboxes=[f"http://127.0.0.1:{port}/inbox/{n}" for n in range(args.inboxes)],
                now=ctx.clock.now(),
            )
            await db.commit()
        options = DeliveryOptions(
            concurrency=settings.delivery_concurrency,
            host_concurrency=settings.delivery_host_concurrency,
        )
        delivered_before = await count_delivered(ctx)  # earlier runs on the same database
        receiver_before = cpu_seconds(receiver_pid)
        if processes > 1:
            elapsed, handled, cpu = await asyncio.to_thread(run_workers, settings, processes)
        else:
            elapsed, handled, cpu = await deliver_here(ctx, options, args)
        receiver_cpu = cpu_seconds(receiver_pid) - receiver_before
        delivered = await count_delivered(ctx) - delivered_before
        if handled != args.inboxes or delivered != args.inboxes:
            raise SystemExit(f"{label}: handled {handled}, delivered {delivered}")
        rate = args.inboxes / elapsed
        if processes > 1:
            label = f"{label} x{processes}"
        print(
            f"{label:<13} {args.inboxes} signed deliveries in {elapsed:.2f} s = {rate:,.0f}/s "
            f"(concurrency {args.concurrency}, per host {args.host_concurrency}); "
            f"CPU {cpu:.2f} s = {1000 * cpu / args.inboxes:.2f} ms per delivery "
            f"(receiver: {1000 * receiver_cpu / args.inboxes:.2f} ms), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        return rate, public_pem
    finally:
        await ctx.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def count_delivered(ctx: Any) -> int:
    async with ctx.session() as db:
        count = await db.scalar(
            select(func.count()).where(Delivery.status == DeliveryStatus.DELIVERED)
        )
    return int(count or 0)


async def deliver_here(
    ctx: Any, options: DeliveryOptions, args: argparse.Namespace
) -> tuple[float, int, float]:
    """Deliver in this process; (wall seconds, handled, CPU seconds)."""
    async with delivery_client(ctx) as client:
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        handled = await deliver_due(ctx.sessions, client, clock=ctx.clock.now, options=options)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if profile is not None:
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return elapsed, handled, cpu


async def check_kept(kept: list[tuple[str, dict[str, str], str]], public_pem: str) -> int:
    key = ResolvedKey(PublicKey.from_pem(public_pem), "http://bench.example/actors/coop")

    async def resolve(key_id: str, *, refresh: bool) -> ResolvedKey | None:
        return key if key_id == "http://bench.example/actors/coop#main-key" else None

    from datetime import UTC, datetime

    good = 0
    for target, headers, body in kept:
        check = await verify_request(
            "POST",
            f"http://{headers['host']}{target}",
            headers,
            body.encode(),
            resolve_key=resolve,
            now=datetime.now(UTC),
        )
        good += check.ok
    return good


def sign_rate(seconds: float = 1.0) -> float:
    key = PrivateKey.generate_rsa()
    message = b"x" * 200
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        key.sign("rsa-v1_5-sha256", message)
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inboxes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--host-concurrency", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also run PostgreSQL with this many worker processes sharing the queue",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("COOPFED_TEST_DATABASE_URL", PG_DEFAULT)
    )
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    stats = multiprocessing.Value("q", 0)
    receiver = multiprocessing.Process(target=_receiver_main, args=(child, stats), daemon=True)
    receiver.start()
    port = parent.recv()
    receiver_pid = receiver.pid
    assert receiver_pid is not None
    print(
        f"receiver on 127.0.0.1:{port} (pid {receiver.pid}); RSA-2048 signing here: "
        f"{sign_rate():,.0f}/s on one core"
    )
    rates = []
    public_pem = ""
    try:
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                rate, public_pem = asyncio.run(
                    run("SQLite", "", Path(tmp), port, args, receiver_pid)
                )
                rates.append(rate)
        if not args.no_postgres:
            name = f"coopfed_bench_{os.getpid()}"
            asyncio.run(pg.create_database(args.postgres_url, name))
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    url = pg.with_database(args.postgres_url, name)
                    rate, public_pem = asyncio.run(
                        run("PostgreSQL", url, Path(tmp), port, args, receiver_pid)
                    )
                    rates.append(rate)
                if args.processes > 1:  # the scale-out path: a fresh queue, several workers
                    with tempfile.TemporaryDirectory() as tmp:
                        rate, public_pem = asyncio.run(
                            run(
                                "PostgreSQL",
                                url,
                                Path(tmp),
                                port,
                                args,
                                receiver_pid,
                                args.processes,
                            )
                        )
                        rates.append(rate)
            finally:
                asyncio.run(pg.drop_database(args.postgres_url, name))
        kept = parent.recv() if parent.poll(5) else []
        # Only the first run's requests are kept; check them with that run's key when it is
        # the only run, else report the count of signed POSTs.
        if len(rates) == 1 and kept:
            good = asyncio.run(check_kept(kept, public_pem))
            print(f"signatures verified on a sample: {good}/{len(kept)} valid")
        print(f"signed POSTs received: {stats.value}")
    finally:
        receiver.terminate()
        receiver.join(5)
    if rates and min(rates) < 500:
        print(f"BELOW TARGET: {min(rates):,.0f}/s < 500/s")
        sys.exit(1)


if __name__ == "__main__":
    main()
