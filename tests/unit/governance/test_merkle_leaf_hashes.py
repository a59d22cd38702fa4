"""The fast leaf hashes (orjson in C) and level-by-level root equal the reference ones:
RFC 8785 by the ``rfc8785`` package, and the RFC 9162 recursion of :class:`MerkleLog`."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import merkle

SAFE = 2**53 - 1
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-SAFE - 3, SAFE + 3)  # both sides of the 53-bit edge
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # any code point: controls, U+2028, astral characters
)
keys = st.text(max_size=6) | st.sampled_from(["a", "\ue000", "\U0001f600", "é", "B", "choice"])
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


def _reference(obj: Any) -> bytes | None:
    try:
        return hashlib.sha256(b"\x00" + rfc8785.dumps(obj)).digest()
    except rfc8785.CanonicalizationError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.dictionaries(keys, json_values, max_size=6), max_size=5))
def test_fast_leaf_hashes__equal_rfc8785_on_any_json(objects: list[dict[str, Any]]) -> None:
    expected = [_reference(obj) for obj in objects]
    if None in expected:
        with pytest.raises(merkle.CanonicalizationError):
            merkle.object_leaf_hashes(objects)
    else:
        assert merkle.object_leaf_hashes(objects) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "proposal": st.integers(1, SAFE),
                "choice": st.fixed_dictionaries({"ranking": st.lists(st.text(), max_size=10)}),
                "class": st.text(),
                "weight": st.decimals(allow_nan=False, allow_infinity=False).map(str),
                "receipt": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
                "kind": st.just("roll_call"),
                "voter": st.integers(1, SAFE),
            }
        ),
        max_size=8,
    )
)
def test_fast_leaf_hashes__equal_rfc8785_on_ballot_leaves(leaves: list[dict[str, Any]]) -> None:
    assert merkle.object_leaf_hashes(leaves) == [_reference(leaf) for leaf in leaves]


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        -0.0,
        1e16,
        1e21,
        5e-324,
        0.1,
        SAFE,
        -SAFE,
        '\x00\x1f\x7f\u2028\u2029"\\/',
        "\U0001f600",
        {"\ue000": 1, "\U0001f600": 2},
        {"é": 1, "e": 2},
        [True, False, None],
    ],
)
def test_fast_leaf_hashes__equal_rfc8785_on_edge_values(value: Any) -> None:
    assert merkle.object_leaf_hashes([{"v": value}]) == [_reference({"v": value})]


@pytest.mark.parametrize("value", [SAFE + 1, -SAFE - 1, 2**64, float("nan"), float("inf")])
def test_fast_leaf_hashes__refuse_what_rfc8785_refuses(value: Any) -> None:
    with pytest.raises(merkle.CanonicalizationError):
        merkle.object_leaf_hashes([{"v": value}])


def test_level_by_level_root__equals_the_rfc9162_recursion_for_every_size_to_130() -> None:
    hashes = [hashlib.sha256(bytes([n % 256, n // 256])).digest() for n in range(130)]
    for size in range(131):
        assert merkle.root(hashes[:size]) == merkle.MerkleLog(hashes[:size]).root()


def test_root_of_a_malformed_hash__is_refused() -> None:
    with pytest.raises(merkle.MalformedHashError):
        merkle.root([b"\x00" * 32, b"short"])
