"""One pass of a delivery worker: claim, send with bounded concurrency, record, repeat.

``deliver_due(...)`` keeps up to ``concurrency`` requests in flight (at most
``host_concurrency`` to any one host, so a slow host never holds every slot), claims more
deliveries as slots free, and stores outcomes in small transactions as they come back (at
least every ``record_interval`` seconds, so a crash re-sends little). It
returns once nothing due is left (or ``max_per_run`` deliveries were handled), so tests can
step it; the worker calls it again on its next round.

All requests of a pass share one ``SafeClient`` (one connection pool, kept-alive
connections per host). Signing keys are read from the database once per pass per actor.

Inside a pass a host that fails ``BREAKER_THRESHOLD`` times in a row is not sent anything
more: its remaining claimed deliveries are handed back untouched (their attempts are not
used up) and wait for the host's probe.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation import keys
from federation.delivery.claim import Claim, Claimed, Outgoing, claim_due
from federation.delivery.model import Delivery, DeliveryHost
from federation.delivery.outcome import Attempt, Kind, record
from federation.delivery.schedule import BREAKER_THRESHOLD
from federation.delivery.sender import send
from federation.httpsig import PrivateKey, Scheme, SchemePreferences
from federation.net import SafeClient

__all__ = ["DeliveryOptions", "deliver_due"]

log = logging.getLogger("federation.delivery")


@dataclass(frozen=True)
class DeliveryOptions:
    concurrency: int = 32  # requests in flight at once
    host_concurrency: int = 8  # requests in flight to one host
    batch_size: int = 200  # deliveries claimed at a time
    lease: timedelta = timedelta(minutes=5)  # how long a claim holds
    record_every: int = 100  # outcomes stored per transaction, at most
    record_interval: float = 0.25  # seconds an outcome may wait to be stored, about
    max_per_run: int = 20_000  # deliveries one pass handles at most


@dataclass
class _Pass:
    sessions: async_sessionmaker[AsyncSession]
    client: SafeClient
    clock: Callable[[], datetime]
    options: DeliveryOptions
    rng: random.Random | None
    slots: asyncio.Semaphore = field(init=False)
    host_slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    host_failures: dict[str, int] = field(default_factory=dict)
    signing_keys: dict[str, PrivateKey | None] = field(default_factory=dict)
    bodies: dict[int, bytes] = field(default_factory=dict)
    preferences: SchemePreferences = field(default_factory=SchemePreferences)
    known_schemes: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.options.concurrency)

    async def claim(self, limit: int) -> Claim:
        async with self.sessions() as db:
            claim = await claim_due(db, now=self.clock(), limit=limit, lease=self.options.lease)
            await self._load_keys(db, claim)
            await self._load_schemes(db, claim)
            await db.commit()
        return claim

    async def _load_keys(self, db: AsyncSession, claim: Claim) -> None:
        for outgoing in claim.activities.values():
            if outgoing.actor in self.signing_keys:
                continue
            row = (await keys.current(db, outgoing.actor)).get(keys.KeyType.RSA)
            if row is None:
                self.signing_keys[outgoing.actor] = None
                continue
            raw = serialization.load_pem_private_key(
                row.private_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
            )
            rsa_key = raw if isinstance(raw, rsa.RSAPrivateKey) else None
            self.signing_keys[outgoing.actor] = PrivateKey(rsa_key) if rsa_key else None

    async def _load_schemes(self, db: AsyncSession, claim: Claim) -> None:
        hosts = {d.host for d in claim.deliveries} - self.known_schemes
        if not hosts:
            return
        rows = await db.execute(
            select(DeliveryHost.host, DeliveryHost.signature_scheme).where(
                DeliveryHost.host.in_(sorted(hosts))
            )
        )
        for host, scheme in rows.all():
            if scheme is not None and self.preferences.get(host) is None:
                learnt: Scheme = "cavage" if scheme == "cavage" else "rfc9421"
                self.preferences.remember(host, learnt)
        self.known_schemes |= hosts

    def body_of(self, outgoing: Outgoing) -> bytes:
        body = self.bodies.get(outgoing.outbox_id)
        if body is None:
            body = json.dumps(outgoing.payload, separators=(",", ":")).encode("utf-8")
            self.bodies[outgoing.outbox_id] = body
        return body

    def tripped(self, host: str) -> bool:
        return self.host_failures.get(host, 0) >= BREAKER_THRESHOLD

    async def deliver(self, delivery: Claimed, outgoing: Outgoing) -> Attempt:
        host_slots = self.host_slots.setdefault(
            delivery.host, asyncio.Semaphore(self.options.host_concurrency)
        )
        async with host_slots, self.slots:
            if self.tripped(delivery.host) and not delivery.probe:
                return Attempt(delivery, Kind.DEFERRED)
            key = self.signing_keys.get(outgoing.actor)
            if key is None:
                return Attempt(
                    delivery,
                    Kind.FINAL,
                    error=f"no RSA key to sign as {outgoing.actor}",
                    refused_locally=True,
                )
            attempt = await send(
                self.client,
                delivery,
                self.body_of(outgoing),
                key=key,
                key_id=f"{outgoing.actor_url}#main-key",
                preferences=self.preferences,
                clock=self.clock,
            )
        if attempt.kind is Kind.RETRY:
            self.host_failures[delivery.host] = self.host_failures.get(delivery.host, 0) + 1
        elif attempt.host_answered:
            self.host_failures[delivery.host] = 0
        return attempt

    async def store(self, attempts: list[Attempt]) -> None:
        if not attempts:
            return
        deferred = [a.delivery.id for a in attempts if a.kind is Kind.DEFERRED]
        done = [a for a in attempts if a.kind is not Kind.DEFERRED]
        async with self.sessions() as db:
            await record(db, done, now=self.clock(), rng=self.rng)
            if deferred:
                await db.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(deferred))
                    .values(claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
            await db.commit()


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    client: SafeClient,
    *,
    clock: Callable[[], datetime],
    options: DeliveryOptions | None = None,
    rng: random.Random | None = None,
) -> int:
    """Deliver everything due now; return how many deliveries were attempted or handed back."""
    opts = options or DeliveryOptions()
    run = _Pass(sessions, client, clock, opts, rng)
    tasks: set[asyncio.Task[None]] = set()
    results: asyncio.Queue[Attempt] = asyncio.Queue()
    finished: list[Attempt] = []
    handled = claimed_total = 0
    out = 0  # claimed deliveries whose outcome has not been taken from ``results`` yet
    exhausted = False
    low_water = max(1, opts.batch_size // 2)
    stored_at = time.monotonic()

    async def deliver(delivery: Claimed, outgoing: Outgoing) -> None:
        try:
            attempt = await run.deliver(delivery, outgoing)
        except Exception as exc:  # a bug here must not stall the pass: retry later
            log.exception("delivery %s to %s failed unexpectedly", delivery.id, delivery.inbox_url)
            attempt = Attempt(delivery, Kind.RETRY, error=f"internal error: {exc!r}")
        results.put_nowait(attempt)

    try:
        while True:
            if not exhausted and out < low_water:
                limit = min(opts.batch_size, opts.max_per_run - claimed_total)
                claim = await run.claim(limit) if limit > 0 else Claim([], {})
                claimed_total += len(claim.deliveries)
                out += len(claim.deliveries)
                exhausted = len(claim.deliveries) < limit or limit <= 0
                for delivery in claim.deliveries:
                    task = asyncio.create_task(
                        deliver(delivery, claim.activities[delivery.outbox_id])
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            if out == 0:
                break
            try:
                async with asyncio.timeout(opts.record_interval):
                    finished.append(await results.get())
                    out -= 1
            except TimeoutError:
                pass
            while not results.empty():
                finished.append(results.get_nowait())
                out -= 1
            due = time.monotonic() - stored_at >= opts.record_interval
            if finished and (len(finished) >= opts.record_every or due or out == 0):
                await run.store(finished)
                handled += len(finished)
                finished = []
                stored_at = time.monotonic()
    finally:
        for task in tasks:  # cancelled: what was not sent stays claimed until its lease ends
            task.cancel()
        while not results.empty():
            finished.append(results.get_nowait())
        if finished:
            await asyncio.shield(run.store(finished))
            handled += len(finished)
    return handled
