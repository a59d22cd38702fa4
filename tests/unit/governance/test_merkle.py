"""RFC 9162 §2.1 Merkle trees: reference vectors, a naive oracle, and properties.

Reference vectors (roots of the 8 standard test leaves, inclusion and consistency proofs) are
the RFC 6962 test data used by the Go implementation of Certificate Transparency, as published
in transparency-dev/merkle, file ``proof/verify_test.go`` (commit 02194e9a; the same values are
in google/trillian ``merkle/log_verifier_test.go``). Leaf indices there are 1-based; here they
are 0-based.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from governance.merkle import (
    EMPTY_ROOT,
    CanonicalizationError,
    InvalidIndexError,
    InvalidSizeError,
    MalformedHashError,
    MerkleError,
    MerkleLog,
    ProofVerificationError,
    canonical_leaf,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    object_leaf_hash,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)


def h(hexstr: str) -> bytes:
    return bytes.fromhex(hexstr)


# ---------------------------------------------------------------------------------------------
# Reference data (transparency-dev/merkle proof/verify_test.go)

LEAVES = [
    h(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAF_HASHES = [leaf_hash(x) for x in LEAVES]

ROOTS = [  # ROOTS[n] is the root of the first n leaves
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

INCLUSION = [  # (0-based index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# ---------------------------------------------------------------------------------------------
# An independent, literal transcription of RFC 9162 §2.1 (slow; the oracle)


def _naive_mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]  # leaf hashes are passed in
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_mth(d[:k]) + _naive_mth(d[k:])).digest()


def _naive_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_naive_path(m, d[:k]), _naive_mth(d[k:])]
    return [*_naive_path(m - k, d[k:]), _naive_mth(d[:k])]


def _naive_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [_naive_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_naive_subproof(m, d[:k], b), _naive_mth(d[k:])]
    return [*_naive_subproof(m - k, d[k:], False), _naive_mth(d[:k])]


def _naive_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    if m == 0 or m == len(d):
        return []
    return _naive_subproof(m, d, True)


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Reference vectors


def test_empty_root_is_sha256_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == ROOTS[0]
    assert MerkleLog().root() == EMPTY_ROOT


def test_leaf_hash_prefixes_zero_byte() -> None:
    assert leaf_hash(b"") == ROOTS[1]
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()


@pytest.mark.parametrize("n", range(9))
def test_roots_match_reference(n: int) -> None:
    assert root(LEAF_HASHES[:n]) == ROOTS[n]
    log = MerkleLog()
    for data in LEAVES[:n]:
        log.append_data(data)
    assert log.root() == ROOTS[n]
    assert MerkleLog(LEAF_HASHES).root(n) == ROOTS[n]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(LEAF_HASHES[:size], index) == proof
    assert MerkleLog(LEAF_HASHES).proof_for(index, size) == proof
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_vectors_reject_corruption(index: int, size: int, proof: list[bytes]) -> None:
    # The corruptions of transparency-dev/merkle's corruptInclusionProof.
    leaf, good_root = LEAF_HASHES[index], ROOTS[size]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (index - 1, size, leaf, good_root, proof),
        (index + 1, size, leaf, good_root, proof),
        (index ^ 2, size, leaf, good_root, proof),
        (index, size * 2, leaf, good_root, proof),
        (index, size // 2, leaf, good_root, proof),
        (index, size, b"WrongLeaf", good_root, proof),
        (index, size, leaf, EMPTY_ROOT, proof),
        (index, size, leaf, SOME_HASH, proof),
        (index, size, leaf, good_root, [*proof, b""]),
        (index, size, leaf, good_root, [*proof, good_root]),
        (index, size, leaf, good_root, [b"", *proof]),
        (index, size, leaf, good_root, [good_root, *proof]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        probes.append((index, size, leaf, good_root, bad))
    if proof:
        probes.append((index, size, leaf, good_root, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, leaf, good_root, [proof[0], SOME_HASH, *proof[1:]]))
    for p_index, p_size, p_leaf, p_root, p_proof in probes:
        assert not verify_inclusion(p_leaf, p_index, p_size, p_proof, p_root), (p_index, p_size)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAF_HASHES[:new], old) == proof
    assert MerkleLog(LEAF_HASHES).consistency(old, new) == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(("old", "new", "proof"), [c for c in CONSISTENCY if c[2]])
def test_consistency_vectors_reject_corruption(old: int, new: int, proof: list[bytes]) -> None:
    # The corruptions of transparency-dev/merkle's corruptConsistencyProof.
    r1, r2 = ROOTS[old], ROOTS[new]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        probes.append((old, new, r1, r2, bad))
    for p_old, p_new, p_r1, p_r2, p_proof in probes:
        assert not verify_consistency(p_old, p_new, p_r1, p_r2, p_proof), (p_old, p_new)


def test_consistency_edge_cases() -> None:
    # From TestVerifyConsistency in transparency-dev/merkle, except that a tree of size 0 must
    # have the empty root here (the Go code ignores root1 when size1 == 0).
    r1, r2 = SOME_HASH, ROOTS[3]
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 1, EMPTY_ROOT, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(0, 1, r1, r2, [])  # stricter than the Go reference
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


def test_inclusion_edge_cases() -> None:
    # TestVerifyInclusion / TestVerifyInclusionSingleEntry in transparency-dev/merkle.
    for index, size in ((0, 0), (0, 1), (1, 0), (2, 1)):
        assert not verify_inclusion(SOME_HASH, index, size, [], b"")
        assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
        assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
    one = leaf_hash(b"data")
    assert verify_inclusion(one, 0, 1, [], one)
    assert not verify_inclusion(b"", 0, 1, [], one)
    assert not verify_inclusion(one, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], b"")


# ---------------------------------------------------------------------------------------------
# Errors


def test_generation_errors() -> None:
    hashes = _leaves(5)
    log = MerkleLog(hashes)
    with pytest.raises(InvalidIndexError):
        inclusion_proof(hashes, 5)
    with pytest.raises(InvalidIndexError):
        inclusion_proof(hashes, -1)
    with pytest.raises(InvalidIndexError):
        inclusion_proof([], 0)
    with pytest.raises(InvalidIndexError):
        log.proof_for(3, 3)
    with pytest.raises(InvalidIndexError):
        log.leaf_hash(5)
    with pytest.raises(InvalidSizeError):
        log.proof_for(0, 6)
    with pytest.raises(InvalidSizeError):
        log.root(6)
    with pytest.raises(InvalidSizeError):
        log.root(-1)
    with pytest.raises(InvalidSizeError):
        consistency_proof(hashes, 6)
    with pytest.raises(InvalidSizeError):
        consistency_proof(hashes, -1)
    with pytest.raises(InvalidSizeError):
        log.consistency(4, 3)
    with pytest.raises(MalformedHashError):
        log.append(b"short")
    with pytest.raises(MalformedHashError):
        root([b"x" * 31])
    with pytest.raises(MalformedHashError):
        log.append("a" * 32)  # type: ignore[arg-type]
    assert log.size == 5  # failed appends changed nothing
    # The tree is rooted in MerkleError, and the usual builtin bases still catch.
    for cls in (InvalidIndexError, InvalidSizeError, MalformedHashError, CanonicalizationError):
        assert issubclass(cls, MerkleError)
    assert issubclass(InvalidIndexError, IndexError)
    assert issubclass(InvalidSizeError, ValueError)


def test_check_functions_name_the_failure() -> None:
    hashes = _leaves(7)
    log = MerkleLog(hashes)
    proof = log.proof_for(3)
    check_inclusion(hashes[3], 3, 7, proof, log.root())
    with pytest.raises(ProofVerificationError, match="leads to root"):
        check_inclusion(hashes[4], 3, 7, proof, log.root())
    with pytest.raises(ProofVerificationError, match="too long"):
        check_inclusion(hashes[3], 3, 7, [*proof, SOME_HASH], log.root())
    with pytest.raises(ProofVerificationError, match="too short"):
        check_inclusion(hashes[3], 3, 7, proof[:-1], log.root())
    with pytest.raises(InvalidIndexError):
        check_inclusion(hashes[3], 7, 7, proof, log.root())
    assert root_from_inclusion_proof(hashes[3], 3, 7, proof) == log.root()

    cproof = log.consistency(3)
    check_consistency(3, 7, log.root(3), log.root(), cproof)
    with pytest.raises(ProofVerificationError, match="old root"):
        check_consistency(3, 7, SOME_HASH, log.root(), cproof)
    with pytest.raises(ProofVerificationError, match="new root"):
        check_consistency(3, 7, log.root(3), SOME_HASH, cproof)
    with pytest.raises(InvalidSizeError):
        check_consistency(8, 7, log.root(3), log.root(), cproof)


# ---------------------------------------------------------------------------------------------
# Canonical JSON leaves


def test_canonical_leaf_is_rfc8785() -> None:
    # RFC 8785: keys sorted by UTF-16 code units, no whitespace, ES6 number form.
    assert canonical_leaf({"b": [1, 2.5, None], "a": "é", "c": True}) == (
        '{"a":"é","b":[1,2.5,null],"c":true}'.encode()
    )
    assert canonical_leaf({"x": 1.0, "y": 1e21}) == b'{"x":1,"y":1e+21}'
    assert canonical_leaf({"b": 1, "a": 2}) == canonical_leaf({"a": 2, "b": 1})
    assert object_leaf_hash({"a": 1}) == leaf_hash(b'{"a":1}')
    log = MerkleLog()
    assert log.append_object({"choice": "yes", "slot": 3}) == 0
    assert log.leaf_hash(0) == leaf_hash(b'{"choice":"yes","slot":3}')


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2**60, {1, 2}, b"bytes"])
def test_canonical_leaf_refuses_what_has_no_canonical_form(bad: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonical_leaf({"v": bad})


# ---------------------------------------------------------------------------------------------
# Against the naive oracle, and properties


@pytest.mark.parametrize("n", range(0, 34))
def test_every_proof_in_small_trees_matches_the_oracle(n: int) -> None:
    hashes = _leaves(n)
    log = MerkleLog()
    for i, x in enumerate(hashes):
        assert log.append(x) == i
    built = MerkleLog.from_leaf_hashes(hashes)
    assert log.root() == built.root() == _naive_mth(hashes) == root(hashes)
    for size in range(n + 1):
        tree_root = _naive_mth(hashes[:size])
        assert log.root(size) == tree_root
        for index in range(size):
            proof = log.proof_for(index, size)
            assert proof == _naive_path(index, hashes[:size]) == built.proof_for(index, size)
            assert verify_inclusion(hashes[index], index, size, proof, tree_root)
        for old in range(size + 1):
            cproof = log.consistency(old, size)
            assert cproof == _naive_proof(old, hashes[:size])
            assert verify_consistency(old, size, _naive_mth(hashes[:old]), tree_root, cproof)


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=sizes)
def test_inclusion_verifies_and_nothing_else_does(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n, salt=n)
    log = MerkleLog(hashes)
    size = data.draw(st.integers(min_value=1, max_value=n), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    tree_root = log.root(size)
    proof = log.proof_for(index, size)
    assert tree_root == _naive_mth(hashes[:size])
    assert verify_inclusion(hashes[index], index, size, proof, tree_root)

    other_leaf = data.draw(st.binary(min_size=32, max_size=32), label="other_leaf")
    assume(other_leaf != hashes[index])
    assert not verify_inclusion(other_leaf, index, size, proof, tree_root)

    other_index = data.draw(st.integers(min_value=0, max_value=2 * size), label="other_index")
    if other_index != index:
        assert not verify_inclusion(hashes[index], other_index, size, proof, tree_root)

    # The proof alone does not bind the size (a proof for (0, 3) also verifies as (0, 4) against
    # the same root); the signed tree head binds size to root. So a wrong size must fail
    # against the root that size really has.
    other_size = data.draw(st.integers(min_value=0, max_value=n), label="other_size")
    if other_size != size:
        other_root = log.root(other_size)
        assert not verify_inclusion(hashes[index], index, other_size, proof, other_root)
    assert not verify_inclusion(hashes[index], index, size + n + 1, proof, tree_root)

    wrong_root = data.draw(st.binary(min_size=32, max_size=32), label="wrong_root")
    assume(wrong_root != tree_root)
    assert not verify_inclusion(hashes[index], index, size, proof, wrong_root)

    if proof:
        i = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        flipped = bytearray(proof[i])
        flipped[bit // 8] ^= 1 << (bit % 8)
        bad = [*proof[:i], bytes(flipped), *proof[i + 1 :]]
        assert not verify_inclusion(hashes[index], index, size, bad, tree_root)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=sizes)
def test_consistency_verifies_and_tampering_fails(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n, salt=-n)
    log = MerkleLog(hashes)
    new = data.draw(st.integers(min_value=0, max_value=n), label="new")
    old = data.draw(st.integers(min_value=0, max_value=new), label="old")
    old_root, new_root = log.root(old), log.root(new)
    proof = log.consistency(old, new)
    assert proof == consistency_proof(hashes[:new], old)
    assert verify_consistency(old, new, old_root, new_root, proof)

    tampered = data.draw(st.binary(min_size=32, max_size=32), label="tampered")
    if tampered != old_root:
        assert not verify_consistency(old, new, tampered, new_root, proof)
    if tampered != new_root and old > 0:  # anything extends the empty tree
        assert not verify_consistency(old, new, old_root, tampered, proof)

    # A log that rewrote one of the first `old` leaves cannot prove consistency.
    if old > 0:
        j = data.draw(st.integers(min_value=0, max_value=old - 1), label="rewritten")
        forged = list(hashes[:new])
        forged[j] = leaf_hash(b"forged")
        forged_log = MerkleLog(forged)
        forged_proof = forged_log.consistency(old, new)
        assert not verify_consistency(old, new, old_root, forged_log.root(), forged_proof)

    if 0 < old < new:
        other_old = data.draw(st.integers(min_value=1, max_value=new), label="other_old")
        if other_old != old:
            assert not verify_consistency(other_old, new, log.root(other_old), new_root, proof)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=200))
def test_incremental_log_equals_the_naive_definition(leaves: list[bytes]) -> None:
    log = MerkleLog()
    hashes: list[bytes] = []
    for i, data in enumerate(leaves):
        assert log.append_data(data) == i
        hashes.append(leaf_hash(data))
        assert log.size == len(log) == i + 1
    assert log.root() == _naive_mth(hashes) == root(hashes)
    assert log._levels == MerkleLog.from_leaf_hashes(hashes)._levels  # same cached subtrees
