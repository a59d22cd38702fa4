"""Time ``coopfed verify-tally`` on a 1,000,000-ballot audit file (budget 30 s).

The file is what ``GET /api/v1/proposals/{id}/audit`` exports for a closed Schulze vote over
10 options: 1,000,000 roll-call leaves (each ranking 1..10 options, voters in three classes of
different weights, one class capped), the counted ballots, the rules, the result computed by
the server's tally, and the log head signed with a fresh Ed25519 key. It is generated here
(not through the HTTP server: loading a million ballots through the API would time the
loading, not the check).

Run: .venv/bin/python tests/bench/bench_verify_tally.py [--ballots N] [--method schulze|stv|instant_runoff]
Not collected by pytest (named bench_*.py). Prints the time of the CLI run as a process
(``coopfed verify-tally FILE --key MULTIBASE``: interpreter start, reading the file, every
check), and the in-process phases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric import ed25519

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from coopfed import verify_tally  # noqa: E402
from coopfed.api.resources.audit_export import FORMAT, rules_to_json  # noqa: E402
from federation.multikey import ed25519_multibase  # noqa: E402
from governance import merkle  # noqa: E402
from governance.ballot import head as ballot_head  # noqa: E402
from governance.proposal import counting  # noqa: E402
from governance.tally import Ballot, ClassWeight, Method, Rules, tally  # noqa: E402

BUDGET = 30.0
OPTIONS = 10
PROPOSAL = 7
KEY_ID = "https://coop.example/actors/coop#ed25519-key"
CLASSES = (("worker", "3", None), ("user", "1", "0.3"), ("supporter", "0.5", None))


def generate(ballots: int, method: Method, seed: int = 2026) -> tuple[dict[str, Any], str]:
    """The audit export and the multibase key that signed its head."""
    rng = np.random.default_rng(seed)
    keys = [f"o{n + 1}" for n in range(OPTIONS)]
    bias = np.linspace(0.0, 1.0, OPTIONS)
    orders = np.argsort(rng.random((ballots, OPTIONS)) + 0.3 * bias, axis=1)
    lengths = rng.integers(1, OPTIONS + 1, size=ballots)
    member_class = rng.choice(3, size=ballots, p=[0.3, 0.4, 0.3])
    counts = np.bincount(member_class, minlength=3)
    rules = Rules(
        method,
        tuple(
            ClassWeight(slug, Decimal(weight) * int(counts[i]), None if cap is None else Decimal(cap))
            for i, (slug, weight, cap) in enumerate(CLASSES)
        ),
        quorum=Decimal("0.25"),
        options=tuple(keys),
        seats=3 if method is Method.STV else 1,
    )
    leaves: list[dict[str, Any]] = []
    counted: list[dict[str, Any]] = []
    tally_ballots: list[Ballot] = []
    for voter, (order, length, klass) in enumerate(
        zip(orders.tolist(), lengths.tolist(), member_class.tolist(), strict=True), start=1
    ):
        slug, weight, _ = CLASSES[klass]
        ranking = [keys[o] for o in order[:length]]
        choice = {"ranking": ranking}
        receipt = hashlib.sha256(voter.to_bytes(8, "big")).hexdigest()
        leaves.append(
            {
                "proposal": PROPOSAL, "choice": choice, "class": slug, "weight": weight,
                "receipt": receipt, "kind": "roll_call", "voter": voter,
            }
        )
        counted.append({"voter": voter, "class_id": slug, "weight": weight, "choice": choice})
        tally_ballots.append(Ballot(slug, Decimal(weight), tuple(ranking), ref=str(voter)))
    result = counting.result_to_json(tally(tally_ballots, rules), secret=False)
    root = merkle.root([merkle.object_leaf_hash(leaf) for leaf in leaves]).hex()
    digest = ballot_head.result_digest(result)
    head = ballot_head.head_document(PROPOSAL, ballots, root, digest)
    private = ed25519.Ed25519PrivateKey.generate()
    multibase = ed25519_multibase(private.public_key())
    document = {
        "format": FORMAT,
        "proposal": {"id": PROPOSAL, "title": "Bench", "kind": "plan", "status": "passed",
                     "options": keys, "closed_at": "2026-11-26T00:00:00+00:00"},
        "rules": rules_to_json(rules, secret=False),
        "leaves": leaves,
        "counted": counted,
        "result": result,
        "head": {**head, "signature": ballot_head.b64url(
            private.sign(ballot_head.signed_bytes(head))), "key_id": KEY_ID},
        "instance_key": {"id": KEY_ID, "multibase": multibase, "retired_at": None},
    }
    return document, multibase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--method", default="schulze", choices=["schulze", "stv", "instant_runoff"])
    args = parser.parse_args()
    start = time.perf_counter()
    document, multibase = generate(args.ballots, Method(args.method))
    print(f"generated a {args.ballots:,}-ballot {args.method} audit export in "
          f"{time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory(prefix="coopfed-bench-") as folder:
        path = Path(folder) / "audit.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        del document
        print(f"  file: {path.stat().st_size / 2**20:.0f} MiB")

        start = time.perf_counter()
        loaded = verify_tally.load(str(path))
        read = time.perf_counter() - start
        start = time.perf_counter()
        done = verify_tally.verify(loaded, key=multibase)
        check = time.perf_counter() - start
        print(f"  in process: read {read:.2f} s, verify {check:.2f} s -> {done.outcome}, "
              f"{done.counted:,} ballots counted")
        del loaded

        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "coopfed", "verify-tally", str(path), "--key", multibase],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )
        seconds = time.perf_counter() - start
    first = run.stdout.splitlines()[0] if run.stdout else run.stderr.strip()
    print(f"  coopfed verify-tally (a process): {seconds:.2f} s, exit {run.returncode}: {first}")
    verdict = "ok" if seconds < BUDGET and run.returncode == 0 else "OVER BUDGET OR FAILED"
    print(f"verify-tally {args.ballots:,} ballots: {seconds:.2f} s ({verdict}, budget {BUDGET} s)")


if __name__ == "__main__":
    main()
