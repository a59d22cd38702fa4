"""``coopfed verify-tally``: check a proposal's audit export without trusting the server.

Steps, stopping at the first discrepancy:

1. rebuild the RFC 9162 Merkle tree from the exported leaves; its size and root must be the
   signed head's;
2. verify the head's Ed25519 signature with the instance's published key: the Ed25519
   Multikey (FEP-521a ``assertionMethod``) of its co-op actor document, fetched from the
   instance (the export's URL, or ``--instance``), or given with ``--key``. Only when neither
   is available is the key embedded in the export used, and the output says so;
3. the SHA-256 of the exported result's canonical JSON must be the head's result digest;
4. the counted ballots are the last leaf of each voter or slot; the exported counted ballots
   must be exactly those;
5. recompute the tally with :func:`governance.tally.tally` under the exported rules, each
   ballot weighed with the class and weight its signed leaf carries; it must give the
   exported result.
"""

from __future__ import annotations

import gc
import hashlib
import json
import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
from cryptography.exceptions import InvalidSignature

from federation.actor import COOP_NAME, LocalUrls
from federation.multikey import MultikeyError, ed25519_from_multibase
from governance import merkle
from governance.ballot import choice as choices
from governance.ballot import head as ballot_head
from governance.ballot import log as ballot_log
from governance.proposal import counting
from governance.tally import BallotColumns, TallyError, tally, tally_columns
from governance.tally.exact import weight_to_units
from governance.tally.types import Ballot, ClassWeight, Comparison, Method, Rules


class Discrepancy(Exception):
    """The export does not verify; the message names the first check that failed."""


AS2 = "application/activity+json"
API_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class TrustedKey:
    """The Ed25519 key a head's signature is checked with, and where it comes from."""

    multibase: str
    source: str  # for the output: which key was checked
    key_id: str | None = None  # the id the instance publishes it under, when fetched
    independent: bool = True  # False: the key the export itself carries


@dataclass(frozen=True)
class Verified:
    proposal_id: int
    size: int
    root: str
    counted: int
    outcome: str
    key: TrustedKey
    result: Mapping[str, Any]


def instance_of(export_url: str) -> str:
    """The instance base URL of an export URL (``{base}/api/v1/proposals/{id}/audit``)."""
    if API_PREFIX not in export_url:
        raise ValueError(f"{export_url} is not an /api/v1/ URL; pass --instance")
    return export_url.split(API_PREFIX, 1)[0]


def published_key(instance_url: str, *, client: httpx.Client | None = None) -> TrustedKey:
    """Fetch the co-op actor document of the instance and return its Ed25519 Multikey."""
    actor_url = LocalUrls.of(instance_url).actor(COOP_NAME)
    http = client or httpx.Client(timeout=60, follow_redirects=False)
    try:
        response = http.get(actor_url, headers={"Accept": AS2})
        response.raise_for_status()
        document = response.json()
    finally:
        if client is None:
            http.close()
    methods = document.get("assertionMethod") if isinstance(document, dict) else None
    if isinstance(methods, dict):
        methods = [methods]
    for method in methods if isinstance(methods, list) else []:
        if (
            isinstance(method, dict)
            and method.get("type") == "Multikey"
            and method.get("controller") == document.get("id")
            and isinstance(method.get("publicKeyMultibase"), str)
        ):
            key_id = str(method.get("id"))
            return TrustedKey(
                multibase=method["publicKeyMultibase"],
                source=f"published by the instance at {actor_url} ({key_id})",
                key_id=key_id,
            )
    raise ValueError(f"{actor_url} publishes no Ed25519 Multikey (assertionMethod)")


def load(source: str, *, token: str | None = None) -> Any:
    """The export from a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(source, headers=headers, timeout=60, follow_redirects=False)
        response.raise_for_status()
        content = response.content
    else:
        content = Path(source).read_bytes()
    with _gc_paused():
        return orjson.loads(content)


def _field(document: Mapping[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind):
        raise Discrepancy(f"malformed export: {name!r} is missing or not a {kind.__name__}")
    return value


# Ranked choices are re-encoded to the JSON text the server stores them as (sorted keys, no
# whitespace, UTF-8), which counting.ranked_choices decodes.
_CHOICE_JSON = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: building millions of containers (a parsed export,
    its counted ballots) would otherwise rescan them all over and over, tripling the time.
    Nothing here makes reference cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ranked_columns(leaves: list[Any], rules: Rules) -> BallotColumns:
    """The counted leaves as the columns the server's tally reads, decoded as the server
    decodes stored rankings (:func:`governance.proposal.counting.ranked_choices`)."""
    position = {item.class_id: index for index, item in enumerate(rules.classes)}
    classes = list(map(itemgetter("class"), leaves))
    class_index = np.array(list(map(position.__getitem__, classes)), dtype=np.intp)
    weights = list(map(itemgetter("weight"), leaves))
    units_of = {text: weight_to_units(Decimal(str(text))) for text in set(weights)}
    weight_units = np.array(list(map(units_of.__getitem__, weights)), dtype=np.int64)
    picked = list(map(itemgetter("choice"), leaves))
    if counting.plain_option_keys(rules.options):
        # One list of {"ranking":[...]} objects written in C as the server stores each one
        # (sorted keys, no whitespace, UTF-8), cut between them.
        text = orjson.dumps(picked, option=orjson.OPT_SORT_KEYS).decode()
        joined = text[1:-1].replace("},{", "}" + counting.SEPARATOR + "{")
        matrix = counting.ranked_choices_joined(joined, len(picked), rules)
    else:
        matrix = counting.ranked_choices([_CHOICE_JSON.encode(c) for c in picked], rules)
    return BallotColumns(class_index, weight_units, matrix)


def _counted_leaves(leaves: list[Any]) -> dict[str, Mapping[str, Any]]:
    """:func:`governance.ballot.log.counted`, with C-level passes when every leaf is of one
    kind (as in every export: a proposal is either secret or roll call)."""
    kinds = set(map(dict.get, leaves, repeat("kind")))
    if kinds == {ballot_log.KIND_ROLL_CALL}:
        keys = map("voter:{}".format, map(dict.get, leaves, repeat("voter")))
    elif kinds == {ballot_log.KIND_SECRET}:
        keys = map("slot:{}".format, map(dict.get, leaves, repeat("slot")))
    else:
        return ballot_log.counted(leaves)
    return dict(zip(keys, leaves, strict=True))


def _items_match(last: dict[str, Mapping[str, Any]], by_key: dict[str, Any]) -> bool:
    """Whether each counted ballot has exactly its last leaf's choice, class and weight (text),
    compared as whole columns in C; when not, the per-ballot checks name the difference."""
    items: list[Any] = list(map(by_key.get, last))
    if None in items:
        return False
    signed: list[Any] = list(last.values())
    weights = list(map(dict.get, signed, repeat("weight")))
    classes = list(map(dict.get, signed, repeat("class")))
    return (
        set(map(type, weights)) | set(map(type, classes)) <= {str}
        and list(map(dict.get, items, repeat("weight"))) == weights
        and list(map(dict.get, items, repeat("class_id"))) == classes
        and list(map(dict.get, items, repeat("choice")))
        == list(map(dict.get, signed, repeat("choice")))
    )


def _number(raw: object) -> Decimal | None:
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def _share(raw: object) -> Fraction:
    return Fraction(str(raw))


def rules_from_json(raw: Mapping[str, Any]) -> Rules:
    return Rules(
        method=Method(raw["method"]),
        classes=tuple(
            ClassWeight(
                c["class_id"],
                Decimal(str(c["eligible_weight"])),
                None if c.get("cap") is None else _share(c["cap"]),
            )
            for c in raw["classes"]
        ),
        quorum=_share(raw.get("quorum", "0")),
        threshold=_share(raw.get("threshold", "1/2")),
        comparison=Comparison(raw.get("comparison", "more_than")),
        options=tuple(raw.get("options", ())),
        max_choices=raw.get("max_choices"),
        seats=raw.get("seats", 1),
    )


def _first_difference(expected: Any, got: Any, path: str = "result") -> str | None:
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got)):
            found = _first_difference(expected.get(key), got.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if expected != got:
        return f"{path}: recomputed {json.dumps(expected)}, exported {json.dumps(got)}"
    return None


def verify(document: Any, *, key: TrustedKey | str | None = None) -> Verified:
    """Check an audit export; raise :class:`Discrepancy` naming the first failed check.

    ``key`` is the instance's Ed25519 key as published in its actor document (a
    :class:`TrustedKey`, or its ``publicKeyMultibase``); without it, the key the export
    carries is used, which shows only that the export is self-consistent.
    """
    with _gc_paused():
        return _verify(document, key)


def _verify(document: Any, key: TrustedKey | str | None) -> Verified:
    if isinstance(key, str):
        key = TrustedKey(key, "given with --key")
    if not isinstance(document, dict):
        raise Discrepancy("malformed export: not a JSON object")
    leaves = _field(document, "leaves", list)
    head = _field(document, "head", dict)
    result = _field(document, "result", dict)
    raw_rules = _field(document, "rules", dict)
    exported_counted = _field(document, "counted", list)
    exported_key = document.get("instance_key")

    # 1. The tree.
    if not all(map(isinstance, leaves, repeat(dict))):
        raise Discrepancy("malformed export: a leaf is not a JSON object")
    try:
        root = merkle.root(merkle.object_leaf_hashes(leaves)).hex()
    except merkle.CanonicalizationError as exc:
        raise Discrepancy(f"malformed leaf: {exc}") from exc
    if len(leaves) != head.get("size"):
        raise Discrepancy(
            f"log size: the export has {len(leaves)} leaves, the signed head says "
            f"{head.get('size')}"
        )
    if root != head.get("root"):
        raise Discrepancy(
            f"log root: the leaves hash to {root}, the signed head says {head.get('root')}"
        )
    proposal_id = head.get("proposal")
    proposals = list(map(dict.get, leaves, repeat("proposal")))
    for position in [] if proposals.count(proposal_id) == len(leaves) else range(len(leaves)):
        leaf = leaves[position]
        if leaf.get("proposal") != proposal_id:
            raise Discrepancy(
                f"leaf {position} belongs to proposal {leaf.get('proposal')}, not {proposal_id}"
            )

    # 2. The signature.
    if key is None:
        if not isinstance(exported_key, dict) or not isinstance(exported_key.get("multibase"), str):
            raise Discrepancy("signature: the export carries no instance Ed25519 key")
        if head.get("key_id") != exported_key.get("id"):
            raise Discrepancy(
                f"signature: the head was signed by {head.get('key_id')}, not the instance key "
                f"{exported_key.get('id')}"
            )
        key = TrustedKey(
            str(exported_key["multibase"]),
            "embedded in the export (not fetched from the instance)",
            independent=False,
        )
    elif key.key_id is not None and head.get("key_id") != key.key_id:
        raise Discrepancy(
            f"signature: the head names the key {head.get('key_id')}, the instance publishes "
            f"{key.key_id}"
        )
    signature = head.get("signature")
    if not isinstance(signature, str) or not signature:
        raise Discrepancy("signature: the log head is not signed")
    signed = ballot_head.signed_bytes(
        ballot_head.head_document(
            proposal_id, head["size"], head["root"], str(head.get("result_digest"))
        )
    )
    try:
        public = ed25519_from_multibase(key.multibase)
        public.verify(ballot_head.b64url_decode(signature), signed)
    except (InvalidSignature, MultikeyError, ValueError) as exc:
        raise Discrepancy(
            "signature: the log head's Ed25519 signature does not verify with the key "
            f"{key.source}: {key.multibase}"
        ) from exc

    # 3. The result is the one the head commits to.
    digest = hashlib.sha256(merkle.canonical_leaf(result)).hexdigest()
    if digest != head.get("result_digest"):
        raise Discrepancy(
            f"result digest: the exported result hashes to {digest}, the signed head says "
            f"{head.get('result_digest')}"
        )

    # 4. The counted ballots are the last leaf of each voter or slot.
    last = _counted_leaves(leaves)
    if not all(map(isinstance, exported_counted, repeat(dict))):
        raise Discrepancy("malformed export: a counted ballot is not a JSON object")
    by_key: dict[str, Mapping[str, Any]]
    if any(map(operator.contains, exported_counted, repeat("slot"))):
        by_key = {
            f"slot:{item.get('slot')}" if "slot" in item else f"voter:{item.get('voter')}": item
            for item in exported_counted
        }
    else:  # roll call: in C
        voters = map(dict.get, exported_counted, repeat("voter"))
        by_key = dict(zip(map("voter:{}".format, voters), exported_counted, strict=True))
    for leaf_key, leaf in [] if _items_match(last, by_key) else last.items():
        item = by_key.get(leaf_key)
        if item is None:
            raise Discrepancy(f"counted ballots: the last ballot of {leaf_key} is not counted")
        if item.get("choice") != leaf.get("choice"):
            raise Discrepancy(
                f"counted ballots: {leaf_key} counted {json.dumps(item.get('choice'))}, "
                f"its last log leaf says {json.dumps(leaf.get('choice'))}"
            )
        if not isinstance(leaf.get("class"), str) or not isinstance(leaf.get("weight"), str):
            raise Discrepancy(f"malformed leaf: the last leaf of {leaf_key} has no class or weight")
        weight = item.get("weight")
        if item.get("class_id") != leaf["class"] or (
            weight != leaf["weight"] and _number(weight) != _number(leaf["weight"])
        ):
            raise Discrepancy(
                f"counted ballots: {leaf_key} counted with class {item.get('class_id')!r} and "
                f"weight {item.get('weight')}, its signed log leaf says class "
                f"{leaf['class']!r} and weight {leaf['weight']}"
            )
    extra = sorted(set(by_key) - set(last))
    if extra:
        raise Discrepancy(f"counted ballots: {extra[0]} is counted but has no leaf in the log")

    # 5. The tally.
    try:
        rules = rules_from_json(raw_rules)
        method = rules.method
        if method in choices.RANKED_METHODS:
            counted_result = tally_columns(_ranked_columns(list(last.values()), rules), rules)
        else:
            ballots = [
                Ballot(
                    str(leaf["class"]),
                    Decimal(str(leaf["weight"])),
                    choices.to_tally(method, leaf["choice"]),
                    ref=str(leaf.get("voter", leaf.get("slot", ""))),
                )
                for leaf_key, leaf in last.items()
            ]
            counted_result = tally(ballots, rules)
        recomputed = counting.result_to_json(counted_result, secret=bool(raw_rules.get("secret")))
    except (KeyError, TypeError, ValueError, ArithmeticError, TallyError) as exc:
        raise Discrepancy(f"tally: the export cannot be recounted: {exc!r}") from exc
    difference = _first_difference(recomputed, result)
    if difference:
        raise Discrepancy(f"tally does not match: {difference}")
    return Verified(
        proposal_id, len(leaves), root, len(last), str(result.get("outcome")), key, result
    )
