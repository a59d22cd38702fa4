"""Benchmark: HTTP signatures signed and verified per second, next to raw `cryptography`.

Run: /work/venv/bin/python tests/bench/bench_httpsig.py [--seconds 1.4]

For each scheme and algorithm it measures, in the same process:

- raw sign / raw verify: `cryptography` alone, over our signature base, with the padding
  and hash objects built once;
- our sign: `sign_httpx_request` on a ready httpx request (Date, both digests, base,
  signature, headers);
- our verify: the signature path from raw headers (index the headers, parse the signature
  fields, rebuild the base, verify);
- policy: the whole `verify_request` inbox policy (coverage, window, body digest, key
  resolution through an async resolver answering from a cache, the `SignatureCheck`).

Figures are calls per CPU-second (`time.process_time`), the best of 7 interleaved rounds,
so that other processes on a shared machine disturb them as little as possible. Ratios
are ours / raw. The target: verification keeps at least 50% of the raw verify rate.
Not a pytest module (its name does not match test_*.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

if TYPE_CHECKING:
    from federation.httpsig import PrivateKey, Scheme

ACTIVITY = (
    b'{"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", '
    b'"actor": "https://coop.example/actors/acme", "object": {"type": "Note", '
    b'"content": "The general assembly meets on Thursday."}}'
)
INBOX = "https://peer.example/inbox"
KEY_ID = "https://coop.example/actors/acme#main-key"
ROUNDS = 7


@dataclass(frozen=True)
class Case:
    scheme: Scheme
    label: str
    key: PrivateKey
    cavage_algorithm: str | None = None


def measure(actions: dict[str, Callable[[], object]], seconds: float) -> dict[str, float]:
    """Calls per CPU-second of each action: the best of `ROUNDS` short rounds, interleaved
    so that every action runs under the same conditions."""
    best = dict.fromkeys(actions, 0.0)
    per_round = seconds / ROUNDS
    for _ in range(ROUNDS):
        for name, action in actions.items():
            for _ in range(5):
                action()  # warm up
            calls, batch = 0, 5
            start = time.process_time()
            while True:
                for _ in range(batch):
                    action()
                calls += batch
                elapsed = time.process_time() - start
                if elapsed >= per_round:
                    break
                batch = min(batch * 2, 1000)
            best[name] = max(best[name], calls / elapsed)
    return best


def raw_operations(
    key: PrivateKey, algorithm: str, message: bytes, signature: bytes
) -> tuple[Callable[[], object], Callable[[], object]]:
    """Sign and verify `message` with `cryptography` alone."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    private, public = key.raw, key.public_key.raw
    if isinstance(private, ed25519.Ed25519PrivateKey) and isinstance(
        public, ed25519.Ed25519PublicKey
    ):
        ed_private, ed_public = private, public
        return (lambda: ed_private.sign(message)), (lambda: ed_public.verify(signature, message))
    if isinstance(private, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey):
        if algorithm != "rsa-v1_5-sha256":
            raise ValueError(algorithm)
        rsa_private, rsa_public = private, public
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return (
            lambda: rsa_private.sign(message, pkcs1, sha256),
            lambda: rsa_public.verify(signature, message, pkcs1, sha256),
        )
    raise ValueError(key.kind)


def bench_case(
    case: Case, now: datetime, loop: asyncio.AbstractEventLoop, seconds: float
) -> dict[str, float]:
    import httpx

    from federation.httpsig import (
        HttpMessage,
        ResolvedKey,
        cavage,
        rfc9421,
        sign_httpx_request,
        verify_request,
    )

    key, scheme = case.key, case.scheme
    request = httpx.Request("POST", INBOX, content=ACTIVITY)
    sign_httpx_request(
        request, key, KEY_ID, scheme=scheme, now=now, cavage_algorithm=case.cavage_algorithm
    )
    headers = list(request.headers.multi_items())
    message = HttpMessage.request("POST", INBOX, headers)
    if scheme == "rfc9421":
        [parsed] = rfc9421.parse_signatures(message)
        signed = rfc9421.signature_base(message, parsed.inner)
        algorithm = parsed.alg or key.algorithms[0]
    else:
        found = cavage.find_signature(message)
        assert found is not None
        signed = cavage.signing_string(message, found)
        algorithm = cavage.algorithms_for(found.algorithm, key)[0]
    raw_sign, raw_verify = raw_operations(key, algorithm, signed, key.sign(algorithm, signed))
    public = key.public_key

    def our_sign() -> None:
        sign_httpx_request(
            request, key, KEY_ID, scheme=scheme, now=now, cavage_algorithm=case.cavage_algorithm
        )

    def our_verify() -> None:
        incoming = HttpMessage.request("POST", INBOX, headers)
        if scheme == "rfc9421":
            [signature] = rfc9421.parse_signatures(incoming)
            assert rfc9421.verify(incoming, signature, public)
        else:
            parsed = cavage.find_signature(incoming)
            assert parsed is not None and cavage.verify(incoming, parsed, public)

    resolved = ResolvedKey(public, "https://coop.example/actors/acme")

    async def resolver(key_id: str, *, refresh: bool) -> ResolvedKey | None:
        return resolved

    async def hundred_policy_checks() -> None:
        for _ in range(100):
            result = await verify_request(
                "POST", INBOX, headers, ACTIVITY, resolve_key=resolver, now=now
            )
            assert result.ok, result.message

    def policy() -> None:
        # 100 checks per event-loop run, so that the loop's own cost is amortised.
        loop.run_until_complete(hundred_policy_checks())

    figures = measure(
        {
            "raw sign": raw_sign,
            "our sign": our_sign,
            "raw verify": raw_verify,
            "our verify": our_verify,
            "policy": policy,
        },
        seconds,
    )
    figures["policy"] *= 100
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.4, help="time per figure")
    seconds = parser.parse_args().seconds

    from federation.httpsig import PrivateKey

    ed25519, rsa = PrivateKey.generate_ed25519(), PrivateKey.generate_rsa(2048)
    cases = [
        Case("rfc9421", "ed25519", ed25519),
        Case("rfc9421", "rsa-v1_5-sha256", rsa),
        Case("cavage", "hs2019 (ed25519)", ed25519),
        Case("cavage", "rsa-sha256", rsa, "rsa-sha256"),
        Case("cavage", "hs2019 (rsa)", rsa, "hs2019"),
    ]
    now = datetime.now(UTC)
    loop = asyncio.new_event_loop()
    header = (
        f"{'scheme':8} {'algorithm':17} {'raw sign/s':>11} {'our sign/s':>11} {'ratio':>6}"
        f" {'raw verify/s':>13} {'our verify/s':>13} {'ratio':>6} {'policy/s':>10} {'ratio':>6}"
    )
    print(f"python {sys.version.split()[0]}; calls per CPU-second, best of {ROUNDS} rounds")
    print(header)
    print("-" * len(header))
    worst_verify = worst_policy = 1.0
    try:
        for case in cases:
            figures = bench_case(case, now, loop, seconds)
            raw_s, our_s = figures["raw sign"], figures["our sign"]
            raw_v, our_v, policy = figures["raw verify"], figures["our verify"], figures["policy"]
            worst_verify = min(worst_verify, our_v / raw_v)
            worst_policy = min(worst_policy, policy / raw_v)
            print(
                f"{case.scheme:8} {case.label:17} {raw_s:11,.0f} {our_s:11,.0f}"
                f" {our_s / raw_s:6.0%} {raw_v:13,.0f} {our_v:13,.0f} {our_v / raw_v:6.0%}"
                f" {policy:10,.0f} {policy / raw_v:6.0%}"
            )
    finally:
        loop.close()
    verdict = "meets" if worst_verify >= 0.5 else "MISSES"
    print(f"\nlowest verify ratio: {worst_verify:.0%} ({verdict} the 50% target)")
    print(f"lowest policy ratio: {worst_policy:.0%} (with digest, date and key lookup)")


if __name__ == "__main__":
    main()
