"""Time the RFC 9162 Merkle log (governance.merkle) on 100,000 and 1,000,000 leaves.

Run: /work/venv/bin/python tests/bench/bench_merkle.py
Not collected by pytest (named bench_*.py). Per-proof figures are means over many proofs at
random indices; targets: inclusion proof generation + verification well under 1 ms.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

# Run as a plain script from anywhere: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from governance.merkle import (
    MerkleLog,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

PROOFS = 2_000


def bench(n: int) -> None:
    print(f"--- {n:,} leaves")
    hashes = [leaf_hash(i.to_bytes(8, "big")) for i in range(n)]

    t = time.perf_counter()
    log = MerkleLog()
    for x in hashes:
        log.append(x)
    dt = time.perf_counter() - t
    print(f"append one by one      {dt:8.3f} s   ({dt / n * 1e6:.2f} µs per append)")

    t = time.perf_counter()
    bulk = MerkleLog.from_leaf_hashes(hashes)
    print(f"bulk build             {time.perf_counter() - t:8.3f} s")

    t = time.perf_counter()
    stateless_root = root(hashes)
    print(f"root() from leaf list  {time.perf_counter() - t:8.3f} s   (builds the whole tree)")

    t = time.perf_counter()
    for _ in range(1000):
        head = log.root()
    print(f"MerkleLog.root()       {(time.perf_counter() - t) * 1e3:8.3f} µs   (cached subtrees)")
    assert head == stateless_root == bulk.root()

    rng = random.Random(n)
    indices = [rng.randrange(n) for _ in range(PROOFS)]
    t = time.perf_counter()
    proofs = [log.proof_for(i) for i in indices]
    gen = (time.perf_counter() - t) / PROOFS
    t = time.perf_counter()
    for i, proof in zip(indices, proofs, strict=True):
        assert verify_inclusion(hashes[i], i, n, proof, head)
    ver = (time.perf_counter() - t) / PROOFS
    print(
        f"inclusion proof        {gen * 1e6:8.1f} µs generate + {ver * 1e6:.1f} µs verify "
        f"= {(gen + ver) * 1e3:.3f} ms per proof ({len(proofs[0])} hashes)"
    )

    olds = [rng.randrange(1, n) for _ in range(PROOFS)]
    t = time.perf_counter()
    cproofs = [log.consistency(m) for m in olds]
    cgen = (time.perf_counter() - t) / PROOFS
    old_roots = [log.root(m) for m in olds]
    t = time.perf_counter()
    for m, r, proof in zip(olds, old_roots, cproofs, strict=True):
        assert verify_consistency(m, n, r, head, proof)
    cver = (time.perf_counter() - t) / PROOFS
    print(
        f"consistency proof      {cgen * 1e6:8.1f} µs generate + {cver * 1e6:.1f} µs verify "
        f"= {(cgen + cver) * 1e3:.3f} ms per proof"
    )


if __name__ == "__main__":
    for size in (100_000, 1_000_000):
        bench(size)
