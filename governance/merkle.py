"""RFC 9162 (Certificate Transparency 2.0) §2.1 Merkle trees, for ballot logs and the ledger.

Definitions (RFC 9162 §2.1.1), with SHA-256 as HASH:

* leaf hash   ``SHA-256(0x00 || data)``
* node hash   ``SHA-256(0x01 || left || right)``
* ``MTH({}) = SHA-256("")``; for ``n > 1`` the split point ``k`` is the largest power of two
  strictly smaller than ``n``, and ``MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))``.

Two ways in:

* stateless functions over a list of leaf hashes: :func:`root`, :func:`inclusion_proof`,
  :func:`consistency_proof`; and the verifiers :func:`verify_inclusion` (§2.1.3.2) and
  :func:`verify_consistency` (§2.1.4.2), which answer ``True``/``False``. Their ``check_*``
  twins raise :class:`ProofVerificationError` naming what failed, for tools that must report
  the first discrepancy.
* :class:`MerkleLog`, an append-only in-memory log that keeps every complete subtree hash, so
  ``append`` is O(log n) (amortised O(1)) and a root, inclusion proof or consistency proof, for
  the current size or any earlier one, costs O(log n) hashes.

Leaves that are JSON objects are serialised with RFC 8785 (JSON Canonicalization Scheme) by
:func:`canonical_leaf`, so every implementation hashes the same bytes.

Exception tree::

    MerkleError                      base of everything raised here
    ├── MalformedHashError           a hash is not 32 bytes              (also ValueError)
    ├── InvalidIndexError            leaf index outside the tree         (also IndexError)
    ├── InvalidSizeError             tree size negative or too large     (also ValueError)
    ├── CanonicalizationError        value has no RFC 8785 form          (also ValueError)
    └── ProofVerificationError       a proof does not prove the claim
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from itertools import chain, compress, repeat
from typing import Any, Final

import orjson
import rfc8785

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CanonicalizationError",
    "InvalidIndexError",
    "InvalidSizeError",
    "MalformedHashError",
    "MerkleError",
    "MerkleLog",
    "ProofVerificationError",
    "canonical_leaf",
    "check_consistency",
    "check_inclusion",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "object_leaf_hash",
    "object_leaf_hashes",
    "root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"
_sha256 = hashlib.sha256

#: ``MTH({})``, the root of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT: Final = _sha256(b"").digest()


# --------------------------------------------------------------------------------------------
# Errors


class MerkleError(Exception):
    """Base class of every error raised by this module."""


class MalformedHashError(MerkleError, ValueError):
    """A value given as a hash is not ``bytes`` of length 32."""


class InvalidIndexError(MerkleError, IndexError):
    """A leaf index is negative or not smaller than the tree size."""


class InvalidSizeError(MerkleError, ValueError):
    """A tree size is negative, larger than the log, or an old size exceeds the new one."""


class CanonicalizationError(MerkleError, ValueError):
    """The value cannot be serialised by RFC 8785 (e.g. NaN, an int beyond ±2**53, a set)."""


class ProofVerificationError(MerkleError):
    """The proof does not prove what was claimed; ``str(error)`` says which check failed."""


# --------------------------------------------------------------------------------------------
# Hashing


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return _sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def canonical_leaf(obj: Any) -> bytes:
    """The RFC 8785 canonical JSON bytes of ``obj`` (dicts, lists, str, int, float, bool, None).

    Money and other exact quantities should be passed as strings: RFC 8785 numbers are IEEE
    doubles, and integers beyond ±2**53 are refused rather than rounded.
    """
    try:
        return bytes(rfc8785.dumps(obj))
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalizationError(f"no RFC 8785 canonical form: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise CanonicalizationError(
            f"no RFC 8785 canonical form for {type(obj).__name__}: {exc}"
        ) from exc


def object_leaf_hash(obj: Any) -> bytes:
    """``leaf_hash(canonical_leaf(obj))``."""
    return leaf_hash(canonical_leaf(obj))


# RFC 8785 and orjson (sorted keys, strict 53-bit integers) write the same bytes for JSON made
# of objects with ASCII keys, arrays, strings, integers of at most 53 bits, booleans and null:
# no whitespace, keys in code-unit order (ASCII: byte order), integers in plain decimal,
# strings in UTF-8 with only '"', '\\' and U+0000-U+001F escaped (\\b \\t \\n \\f \\r,
# else \\u00xx in lowercase hex). They differ on floats (RFC 8785 writes ECMAScript's
# Number.toString) and on the order of non-ASCII keys (UTF-16 code units against code
# points), so such values take the reference serialiser.
_ORJSON_RFC8785: Final = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_PLAIN_SCALARS: Final = frozenset({str, int, bool, type(None)})


def _orjson_is_canonical(values: list[Any]) -> bool:
    """Whether every value nested in ``values`` (level by level, with C-level passes) is a
    dict with ASCII string keys, a list, or a scalar that orjson writes as RFC 8785 does."""
    while values:
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_SCALARS | {dict, list}:
            return False
        dicts = (
            list(compress(values, map(isinstance, values, repeat(dict)))) if dict in kinds else []
        )
        lists = (
            list(compress(values, map(isinstance, values, repeat(list)))) if list in kinds else []
        )
        keys = set(chain.from_iterable(map(dict.keys, dicts)))  # few distinct keys
        if not all(type(key) is str and key.isascii() for key in keys):
            return False
        nested = chain.from_iterable(map(dict.values, dicts))
        values = list(chain(nested, chain.from_iterable(lists)))
    return True


def object_leaf_hashes(objects: Sequence[Any]) -> list[bytes]:
    """``[object_leaf_hash(o) for o in objects]``, fast: when every object is plain JSON (see
    :func:`_orjson_is_canonical`) the canonical bytes are orjson's, written in C; otherwise each
    object takes the reference RFC 8785 serialiser."""
    if _orjson_is_canonical(list(objects)):
        dumps, sha256, option = orjson.dumps, _sha256, _ORJSON_RFC8785
        try:
            return [sha256(_LEAF_PREFIX + dumps(obj, option=option)).digest() for obj in objects]
        except orjson.JSONEncodeError:  # an integer beyond 53 bits: the reference decides
            pass
    return [object_leaf_hash(obj) for obj in objects]


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise MalformedHashError(f"{what} must be {HASH_SIZE} bytes, got {got}")
    return value


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------------------------
# The append-only log


class MerkleLog:
    """An append-only Merkle log that caches every complete subtree hash.

    ``self._levels[h][i]`` is the hash of the complete subtree of ``2**h`` leaves starting at
    leaf ``i * 2**h``; level ``h`` always holds ``size >> h`` hashes. Every subtree the RFC 9162
    recursion visits starts at a multiple of a power of two at least as large as itself, so its
    hash is the right-to-left fold of at most ``log2(n)`` cached complete subtrees.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MerkleLog:
        """Build a log from many leaf hashes at once (faster than appending one by one)."""
        log = cls()
        log._build(leaf_hashes)
        return log

    def _build(self, leaf_hashes: Sequence[bytes]) -> None:
        level = list(leaf_hashes)
        for i, h in enumerate(level):
            _check_hash(h, f"leaf hash {i}")
        levels = [level]
        sha, prefix = _sha256, _NODE_PREFIX
        while len(level) >= 2:
            # An odd last hash waits in its level; it joins a parent only once completed.
            pairs = zip(level[0:-1:2], level[1::2], strict=True)
            level = [sha(prefix + a + b).digest() for a, b in pairs]
            levels.append(level)
        self._levels = levels

    # -- growing ---------------------------------------------------------------------------

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash (32 bytes, see :func:`leaf_hash`); return its index."""
        h = _check_hash(leaf_hash, "leaf hash")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(h)
        height = 0
        # A new complete subtree closes at every level where the count became even.
        while len(levels[height]) % 2 == 0:
            level = levels[height]
            parent = _sha256(_NODE_PREFIX + level[-2] + level[-1]).digest()
            height += 1
            if height == len(levels):
                levels.append([])
            levels[height].append(parent)
        return index

    def append_data(self, data: bytes) -> int:
        """Append ``leaf_hash(data)``; return its index."""
        return self.append(leaf_hash(data))

    def append_object(self, obj: Any) -> int:
        """Append the leaf hash of ``obj``'s RFC 8785 canonical JSON; return its index."""
        return self.append(object_leaf_hash(obj))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for h in leaf_hashes:
            self.append(h)

    # -- reading ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def __len__(self) -> int:
        return len(self._levels[0])

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash stored at ``index``."""
        self._check_index(index, self.size)
        return self._levels[0][index]

    def root(self, tree_size: int | None = None) -> bytes:
        """``MTH`` of the first ``tree_size`` leaves (default: all of them)."""
        n = self._tree_size(tree_size)
        return self._range_hash(0, n)

    def proof_for(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """The RFC 9162 §2.1.3.1 inclusion proof ``PATH(index, D[tree_size])``.

        ``tree_size`` defaults to the current size; an earlier size gives the proof against the
        root the log had then.
        """
        n = self._tree_size(tree_size)
        self._check_index(index, n)
        path: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self._range_hash(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._range_hash(lo, lo + k))
                lo += k
        path.reverse()  # PATH lists the deepest sibling first.
        return path

    def consistency(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The RFC 9162 §2.1.4.1 consistency proof ``PROOF(old_size, D[new_size])``.

        Empty when ``old_size`` is 0 or equal to ``new_size`` (nothing to prove).
        """
        n = self._tree_size(new_size)
        if old_size < 0 or old_size > n:
            raise InvalidSizeError(f"old size {old_size} is outside 0..{n}")
        if old_size in (0, n):
            return []
        proof: list[bytes] = []
        m, lo, hi, whole = old_size, 0, n, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self._range_hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._range_hash(lo, lo + k))
                m -= k
                lo += k
                whole = False
        if not whole:
            proof.append(self._range_hash(lo, hi))
        proof.reverse()  # SUBPROOF lists the deepest node first.
        return proof

    # -- internals -------------------------------------------------------------------------

    def _tree_size(self, tree_size: int | None) -> int:
        if tree_size is None:
            return self.size
        if tree_size < 0 or tree_size > self.size:
            raise InvalidSizeError(f"tree size {tree_size} is outside 0..{self.size}")
        return tree_size

    @staticmethod
    def _check_index(index: int, tree_size: int) -> None:
        if index < 0 or index >= tree_size:
            raise InvalidIndexError(f"leaf index {index} is outside a tree of size {tree_size}")

    def _range_hash(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])``; ``start`` is a multiple of a power of two ``>= end - start``."""
        count = end - start
        if count == 0:
            return EMPTY_ROOT
        levels = self._levels
        parts: list[bytes] = []
        pos = start
        for height in range(count.bit_length() - 1, -1, -1):
            if count >> height & 1:
                parts.append(levels[height][pos >> height])
                pos += 1 << height
        acc = parts.pop()
        while parts:
            acc = _sha256(_NODE_PREFIX + parts.pop() + acc).digest()
        return acc


# --------------------------------------------------------------------------------------------
# Stateless generation


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH`` of the tree whose leaves have these hashes (RFC 9162 §2.1.1).

    Computed level by level: pairing neighbours and carrying an odd last hash up unchanged
    builds the same tree as the RFC's recursion (whose left subtrees are complete), keeping
    only one level in memory.
    """
    level = list(leaf_hashes)
    if set(map(type, level)) - {bytes} or set(map(len, level)) - {HASH_SIZE}:
        for i, h in enumerate(level):
            _check_hash(h, f"leaf hash {i}")
    if not level:
        return EMPTY_ROOT
    sha, prefix = _sha256, _NODE_PREFIX
    while len(level) > 1:
        odd = level[-1:] if len(level) % 2 else []
        pairs = zip(level[0 : len(level) - len(odd) : 2], level[1::2], strict=True)
        level = [sha(prefix + a + b).digest() for a, b in pairs]
        level += odd
    return level[0]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """``PATH(index, D[n])`` for the tree of ``leaf_hashes`` (RFC 9162 §2.1.3.1)."""
    MerkleLog._check_index(index, len(leaf_hashes))
    return MerkleLog.from_leaf_hashes(leaf_hashes).proof_for(index)


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """``PROOF(old_size, D[n])`` for the tree of ``leaf_hashes`` (RFC 9162 §2.1.4.1)."""
    if old_size < 0 or old_size > len(leaf_hashes):
        raise InvalidSizeError(f"old size {old_size} is outside 0..{len(leaf_hashes)}")
    return MerkleLog.from_leaf_hashes(leaf_hashes).consistency(old_size)


# --------------------------------------------------------------------------------------------
# Verification


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root implied by an inclusion proof: RFC 9162 §2.1.3.2 steps 1-5 without the compare.

    Raises :class:`InvalidIndexError` for an index outside the tree, and
    :class:`ProofVerificationError` for a proof of the wrong length or with malformed hashes.
    """
    if tree_size < 0:
        raise InvalidSizeError(f"tree size {tree_size} is negative")
    if index < 0 or index >= tree_size:
        raise InvalidIndexError(f"leaf index {index} is outside a tree of size {tree_size}")
    if not _is_hash(leaf_hash):
        raise ProofVerificationError(f"the leaf hash is not {HASH_SIZE} bytes")
    fn, sn, r = index, tree_size - 1, leaf_hash
    for i, p in enumerate(proof):
        if not _is_hash(p):
            raise ProofVerificationError(f"proof element {i} is not {HASH_SIZE} bytes")
        if sn == 0:
            raise ProofVerificationError(
                f"the proof is too long: {len(proof)} elements, at most {i} expected"
            )
        if fn & 1 or fn == sn:
            r = _sha256(_NODE_PREFIX + p + r).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(_NODE_PREFIX + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofVerificationError(f"the proof is too short: {len(proof)} elements")
    return r


def check_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raise :class:`MerkleError` if it fails."""
    if not _is_hash(root):
        raise ProofVerificationError(f"the root is not {HASH_SIZE} bytes")
    computed = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if computed != root:
        raise ProofVerificationError(
            f"the proof for leaf {index} leads to root {computed.hex()}, not {root.hex()}"
        )


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """``True`` iff ``proof`` proves ``leaf_hash`` is leaf ``index`` of the tree with ``root``.

    Follows RFC 9162 §2.1.3.2: an index outside the tree, a malformed hash or a proof of the
    wrong length fails verification (answers ``False``) rather than raising.
    """
    try:
        check_inclusion(leaf_hash, index, tree_size, proof, root)
    except MerkleError:
        return False
    return True


def check_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise :class:`MerkleError` if it fails.

    The RFC algorithm covers ``0 < old_size < new_size``. The edge cases: equal sizes need an
    empty proof and equal roots; ``old_size == 0`` needs an empty proof and ``old_root`` equal to
    :data:`EMPTY_ROOT` (the only root a tree of size 0 can have).
    """
    if old_size < 0 or new_size < 0:
        raise InvalidSizeError(f"tree sizes must not be negative: {old_size}, {new_size}")
    if old_size > new_size:
        raise InvalidSizeError(f"old size {old_size} is larger than new size {new_size}")
    if not _is_hash(old_root) or not _is_hash(new_root):
        raise ProofVerificationError(f"a root is not {HASH_SIZE} bytes")
    if old_size == 0 or old_size == new_size:
        if proof:
            raise ProofVerificationError(
                f"the proof must be empty for sizes {old_size} -> {new_size}"
            )
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofVerificationError("the root of an empty tree must be SHA-256('')")
        if old_size == new_size and old_root != new_root:
            raise ProofVerificationError(f"two different roots for the same size {old_size}")
        return
    if not proof:
        raise ProofVerificationError("the proof is empty")
    for i, p in enumerate(proof):
        if not _is_hash(p):
            raise ProofVerificationError(f"proof element {i} is not {HASH_SIZE} bytes")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofVerificationError(f"the proof is too long: {len(proof)} elements")
        if fn & 1 or fn == sn:
            fr = _sha256(_NODE_PREFIX + c + fr).digest()
            sr = _sha256(_NODE_PREFIX + c + sr).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(_NODE_PREFIX + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofVerificationError(f"the proof is too short: {len(proof)} elements")
    if fr != old_root:
        raise ProofVerificationError(
            f"the proof leads to old root {fr.hex()}, not {old_root.hex()}"
        )
    if sr != new_root:
        raise ProofVerificationError(
            f"the proof leads to new root {sr.hex()}, not {new_root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """``True`` iff ``proof`` shows the tree with ``new_root`` extends the one with ``old_root``.

    RFC 9162 §2.1.4.2; impossible sizes (negative, or old larger than new), malformed hashes
    and wrong proofs all answer ``False``.
    """
    try:
        check_consistency(old_size, new_size, old_root, new_root, proof)
    except MerkleError:
        return False
    return True
