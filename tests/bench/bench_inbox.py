"""Inbox acceptance: signed activities POSTed by a concurrent client to a running instance
(``coopfed serve`` in its own process, worker off), on SQLite and on PostgreSQL.

Run: .venv/bin/python tests/bench/bench_inbox.py [--activities 2000] [--concurrency 32]
     [--no-sqlite] [--no-postgres] [--postgres-url URL] [--profile [tottime|cumulative]]
Not collected by pytest (named bench_*.py). Target: at least 500 accepted activities per second
on each database; the raw RSA-2048 verification rate of this machine is printed beside it.

Every request is a distinct ``Create`` of a ``Note`` from one remote actor, signed with RFC
9421 (RSA-2048, ``content-digest`` covered) and turned into bytes before the clock starts, and
a bare asyncio client writes them over kept-alive connections, so the figure is the server's: reading, the checks of ``federation.inbound`` (policy, size, type, JSON, signature
with the cached key, owner), and the durable insert with its commit. The remote actor is served
on loopback by a small Starlette app; its key is fetched once, on a warm-up request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

import httpx  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402

from federation.httpsig import PrivateKey, sign_httpx_request  # noqa: E402
from tests import pg  # noqa: E402
from tests.live import free_port, serve_asgi_in_thread  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
AS2 = "application/activity+json"


def peer_app(base: list[str], key: PrivateKey) -> Starlette:
    async def actor(request: Request) -> JSONResponse:
        actor_id = f"{base[0]}/users/bench"
        return JSONResponse(
            {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/v1",
                ],
                "id": actor_id,
                "type": "Person",
                "preferredUsername": "bench",
                "inbox": f"{actor_id}/inbox",
                "outbox": f"{actor_id}/outbox",
                "publicKey": {
                    "id": f"{actor_id}#main-key",
                    "owner": actor_id,
                    "publicKeyPem": key.public_key.to_pem(),
                },
            },
            media_type=AS2,
        )

    return Starlette(routes=[Route("/users/bench", actor)])


def start_server(
    data_dir: Path, database_url: str, port: int, profile: Path | None = None
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPFED_")}
    env.update(
        COOPFED_BASE_URL=f"http://127.0.0.1:{port}",
        COOPFED_FEDERATION_ALLOW_NETWORKS="127.0.0.0/8",
        COOPFED_LOG_LEVEL="warning",
    )
    if database_url:
        env["COOPFED_DATABASE_URL"] = database_url
    cli = [sys.executable, "-c", "from coopfed.cli import main; main()"]
    subprocess.run(
        [*cli, "init", "--data-dir", str(data_dir)], env=env, check=True, capture_output=True
    )
    if profile is not None:  # the server's profile is written when it stops (SIGTERM)
        cli = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "coopfed"]
    return subprocess.Popen(
        [*cli, "serve", "--no-worker", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def signed(url: str, peer: str, key: PrivateKey) -> httpx.Request:
    actor = f"{peer}/users/bench"
    uid = uuid.uuid4().hex
    activity: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer}/activities/{uid}",
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{peer}/notes/{uid}",
            "type": "Note",
            "attributedTo": actor,
            "content": "<p>" + "Hello from a partner co-op. " * 10 + "</p>",
        },
    }
    request = httpx.Request(
        "POST", url, content=json.dumps(activity).encode(), headers={"Content-Type": AS2}
    )
    sign_httpx_request(request, key, f"{actor}#main-key", now=datetime.now(UTC))
    return request


async def wait_up(client: httpx.AsyncClient, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the instance did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw(request: httpx.Request) -> bytes:
    """The request as bytes on the wire (HTTP/1.1, keep-alive), built before timing."""
    lines = [f"POST {request.url.raw_path.decode('ascii')} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    if "content-length" not in request.headers:
        lines.append(f"content-length: {len(request.content)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.content


async def send_all(port: int, payloads: list[bytes], concurrency: int) -> dict[int, int]:
    """Send every payload over ``concurrency`` kept-alive connections; count the statuses.
    A bare asyncio client, so that the client's own cost stays small next to the server's."""
    queue = list(reversed(payloads))
    statuses: dict[int, int] = {}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                writer.write(queue.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return statuses


async def measure(
    label: str, base: str, peer: str, key: PrivateKey, args: argparse.Namespace, server_pid: int
) -> float:
    async with httpx.AsyncClient(timeout=60) as client:
        await wait_up(client, base)
        warm = await client.send(signed(f"{base}/inbox", peer, key))  # fetches the key once
        if warm.status_code != 202:
            raise SystemExit(f"warm-up refused: {warm.status_code} {warm.text}")
    payloads = [raw(signed(f"{base}/inbox", peer, key)) for _ in range(args.activities)]
    port = int(base.rsplit(":", 1)[1])
    cpu_before, client_before = cpu_seconds(server_pid), time.process_time()
    started = time.perf_counter()
    statuses = await send_all(port, payloads, args.concurrency)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(server_pid) - cpu_before
    client_cpu = time.process_time() - client_before
    if statuses != {202: args.activities}:
        raise SystemExit(f"{label}: unexpected answers {statuses}")
    rate = args.activities / elapsed
    print(
        f"{label:<11} {args.activities} signed activities accepted in {elapsed:.2f} s = "
        f"{rate:,.0f}/s ({args.concurrency} connections); server CPU {cpu:.2f} s = "
        f"{1000 * cpu / args.activities:.2f} ms per activity, client CPU {client_cpu:.2f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return rate


def verify_rate(seconds: float = 1.0) -> float:
    key = PrivateKey.generate_rsa()
    message = b"x" * 300
    signature = key.sign("rsa-v1_5-sha256", message)
    public = key.public_key
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        public.verify("rsa-v1_5-sha256", message, signature)
        count += 1
    return count / (time.perf_counter() - started)


def run_one(
    label: str, database_url: str, peer: str, key: PrivateKey, args: argparse.Namespace
) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        profile = Path(tmp) / "server.prof" if args.profile else None
        server = start_server(Path(tmp), database_url, port, profile)
        try:
            return asyncio.run(
                measure(label, f"http://127.0.0.1:{port}", peer, key, args, server.pid)
            )
        finally:
            # uvicorn re-raises the signal it stopped on; cProfile writes its file on
            # KeyboardInterrupt (SIGINT), not when killed by SIGTERM.
            server.send_signal(signal.SIGINT if profile is not None else signal.SIGTERM)
            server.wait(30)
            if profile is not None and profile.exists():
                print(f"--- {label} server profile (whole run, incl. start-up) ---")
                pstats.Stats(str(profile)).sort_stats(args.profile).print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--profile",
        nargs="?",
        const="tottime",
        choices=["tottime", "cumulative"],
        help="run the server under cProfile and print where its time goes",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("COOPFED_TEST_DATABASE_URL", PG_DEFAULT)
    )
    args = parser.parse_args()

    key = PrivateKey.generate_rsa()
    print(f"raw RSA-2048 verification: {verify_rate():,.0f}/s on one core (this process)")
    rates = []
    base: list[str] = []

    async def make_app() -> ASGIApp:
        return peer_app(base, key)

    with ExitStack() as stack:
        peer = stack.enter_context(serve_asgi_in_thread(make_app))
        base.append(peer)
        if not args.no_sqlite:
            rates.append(run_one("SQLite", "", peer, key, args))
        if not args.no_postgres:
            name = f"coopfed_bench_inbox_{os.getpid()}"
            asyncio.run(pg.create_database(args.postgres_url, name))
            try:
                url = pg.with_database(args.postgres_url, name)
                rates.append(run_one("PostgreSQL", url, peer, key, args))
            finally:
                asyncio.run(pg.drop_database(args.postgres_url, name))
    print(f"raw RSA-2048 verification after the runs: {verify_rate():,.0f}/s on one core")
    if rates and min(rates) < 500:
        print(f"BELOW TARGET: {min(rates):,.0f}/s < 500/s")
        sys.exit(1)


if __name__ == "__main__":
    main()
