"""RFC 8941 structured fields: the examples of RFC 8941 section 3, round trips, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.httpsig import StructuredFieldError, sfv
from federation.httpsig.sfv import InnerList, Item, Token


def test_parse__rfc8941_section_3_1_list_examples() -> None:
    assert sfv.parse_list("sugar, tea, rum") == [
        Item(Token("sugar"), {}),
        Item(Token("tea"), {}),
        Item(Token("rum"), {}),
    ]
    inner = sfv.parse_list('("foo" "bar"), ("baz"), ("bat" "one"), ()')
    assert inner[3] == InnerList((), {})
    assert inner[0] == InnerList((Item("foo", {}), Item("bar", {})), {})
    parameterised = sfv.parse_list('abc;a=1;b=2; cde_456, (ghi;jk=4 l);q="9";r=w')
    assert parameterised[0] == Item(Token("abc"), {"a": 1, "b": 2, "cde_456": True})
    assert parameterised[1] == InnerList(
        (Item(Token("ghi"), {"jk": 4}), Item(Token("l"), {})), {"q": "9", "r": Token("w")}
    )


def test_parse__rfc8941_section_3_2_dictionary_examples() -> None:
    assert sfv.parse_dictionary('en="Applepie", da=:w4ZibGV0w6ZydGUK:') == {
        "en": Item("Applepie", {}),
        "da": Item("Æbletærte\n".encode(), {}),
    }
    assert sfv.parse_dictionary("a=?0, b, c; foo=bar") == {
        "a": Item(False, {}),
        "b": Item(True, {}),
        "c": Item(True, {"foo": Token("bar")}),
    }
    assert sfv.parse_dictionary("rating=1.5, feelings=(joy sadness)") == {
        "rating": Item(Decimal("1.5"), {}),
        "feelings": InnerList((Item(Token("joy"), {}), Item(Token("sadness"), {})), {}),
    }


def test_parse__rfc8941_section_3_3_item_examples() -> None:
    assert sfv.parse_item("5; foo=bar") == Item(5, {"foo": Token("bar")})
    assert sfv.parse_item("-4.5") == Item(Decimal("-4.5"), {})
    assert sfv.parse_item('"hello \\"world\\""') == Item('hello "world"', {})
    assert sfv.parse_item(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:") == Item(
        b"pretend this is binary content.", {}
    )
    assert sfv.parse_item("?1") == Item(True, {})
    assert sfv.parse_item("foo123/456") == Item(Token("foo123/456"), {})


def test_parse__signature_input_shape() -> None:
    parsed = sfv.parse_dictionary(
        'sig1=("@method" "@target-uri" "@query-param";name="Pet");created=1618884473'
        ';keyid="test-key";alg="ed25519"'
    )
    inner = parsed["sig1"]
    assert isinstance(inner, InnerList)
    assert inner.items[2] == Item("@query-param", {"name": "Pet"})
    assert inner.params == {"created": 1618884473, "keyid": "test-key", "alg": "ed25519"}


def test_parse__last_duplicate_key_wins() -> None:
    # RFC 8941 section 4.2.2: a repeated dictionary key or parameter overwrites.
    assert sfv.parse_dictionary("a=1, a=2") == {"a": Item(2, {})}
    assert sfv.parse_item("1;x=1;x=2") == Item(1, {"x": 2})


def test_parse__whitespace_around_members_is_tolerated() -> None:
    assert sfv.parse_dictionary("  a=1 ,\tb=2  ") == {"a": Item(1, {}), "b": Item(2, {})}


@pytest.mark.parametrize(
    "text",
    [
        "a=1,",  # trailing comma
        "a=1 b=2",  # missing comma
        "A=1",  # uppercase key
        "a=(1 2",  # unclosed inner list
        "a=(1  2)x",  # junk after an inner list
        'a="unterminated',
        'a="bad \\escape"',
        "a=1234567890123456",  # 16-digit integer
        "a=1.2345",  # four fractional digits
        "a=:not base64!:",
        "a=?2",
        'a="tab\there"',
    ],
)
def test_parse__invalid_dictionaries_are_refused(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        sfv.parse_dictionary(text)


def test_serialize__canonical_forms() -> None:
    inner = InnerList(
        (Item("@method", {}), Item("@query-param", {"name": "Pet"})),
        {"created": 1, "keyid": 'a"b\\c', "flag": True, "off": False, "n": Decimal("1.50")},
    )
    assert (
        sfv.serialize_inner_list(inner)
        == '("@method" "@query-param";name="Pet");created=1;keyid="a\\"b\\\\c";flag;off=?0;n=1.5'
    )
    assert sfv.serialize_dictionary({"a": Item(True, {"x": 1}), "b": Item(b"\x00", {})}) == (
        "a;x=1, b=:AA==:"
    )
    assert sfv.serialize_list([Item(Token("t"), {}), InnerList((), {})]) == "t, ()"


@pytest.mark.parametrize(
    "value",
    [10**15, "non-ascii é", "line\nbreak", Token("1bad"), Decimal("1e13"), 1.5],
)
def test_serialize__values_outside_the_grammar_are_refused(value: object) -> None:
    with pytest.raises(StructuredFieldError):
        sfv.serialize_bare_item(value)  # type: ignore[arg-type]


_keys = st.from_regex(r"[a-z*][a-z0-9_\-.*]{0,8}", fullmatch=True)
_bare = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.binary(max_size=20),
    st.from_regex(r"[A-Za-z*][A-Za-z0-9:/!#.*+-]{0,8}", fullmatch=True).map(Token),
)
_params = st.dictionaries(_keys, _bare, max_size=3)
_items = st.builds(Item, _bare, _params)
_members = st.one_of(_items, st.builds(InnerList, st.lists(_items, max_size=3).map(tuple), _params))


@given(st.dictionaries(_keys, _members, max_size=4))
def test_round_trip__serialize_then_parse_is_identity(dictionary: sfv.Dictionary) -> None:
    assert sfv.parse_dictionary(sfv.serialize_dictionary(dictionary)) == dictionary


def test_canonical_single_inner_list__returns_its_own_serialization() -> None:
    text = 'sig1=("@method" "a\\"b");created=1;keyid="k;x=1"'
    assert sfv.parse_canonical_single_inner_list(text) is None  # ";" inside a string
    text = 'sig1=("@method" "a\\"b");created=1;keyid="k"'
    found = sfv.parse_canonical_single_inner_list(text)
    assert found is not None
    label, inner, serialized = found
    assert label == "sig1"
    assert inner == InnerList((Item("@method", {}), Item('a"b', {})), {"created": 1, "keyid": "k"})
    assert serialized == sfv.serialize_inner_list(inner) == text.removeprefix("sig1=")


@pytest.mark.parametrize(
    "text",
    [
        'sig1=( "@method");created=1',  # space after "("
        'sig1=("@method"  "@path");created=1',  # two spaces
        'sig1=("@method");created=01',  # leading zero
        'sig1=("@method");created=-0',
        'sig1=("@method");created=1;created=2',  # repeated parameter
        'sig1=("@method");alg=rsa',  # token parameter
        'sig1=("@method";x);created=1',  # item parameter
        'sig1=("@method"), sig2=("@path")',  # two members
    ],
)
def test_canonical_single_inner_list__declines_other_shapes(text: str) -> None:
    assert sfv.parse_canonical_single_inner_list(text) is None
    sfv.parse_dictionary(text)  # the general parser still reads them


def test_single_byte_sequence__fast_path() -> None:
    assert sfv.parse_single_byte_sequence(" sig1=:AAE=: ") == ("sig1", b"\x00\x01")
    assert sfv.parse_single_byte_sequence("sig1=:AAE=:;x") is None
    with pytest.raises(StructuredFieldError):
        sfv.parse_single_byte_sequence("sig1=:A:")


_plain_strings = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12
)
_simple_params = st.dictionaries(
    _keys,
    st.one_of(_plain_strings, st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)),
    max_size=4,
)


@given(
    st.lists(_plain_strings, max_size=5),
    _simple_params,
    st.lists(st.integers(min_value=1, max_value=3), min_size=8, max_size=8),
    st.booleans(),
)
def test_fast_paths__agree_with_the_general_parser_whatever_the_spacing(
    strings: list[str], params: dict[str, int | str], spaces: list[int], zero_pad: bool
) -> None:
    # Write the member by hand, with variable spacing and integer padding, so that both
    # canonical and non-canonical texts reach the fast paths.
    quoted = [sfv.serialize_bare_item(s) for s in strings]
    gap = " " * spaces[0]
    body = gap.join(quoted)
    inside = (
        " " * (spaces[1] - 1) + body + " " * (spaces[2] - 1) if quoted else " " * (spaces[3] - 1)
    )
    written = []
    for name, value in params.items():
        if isinstance(value, int) and zero_pad and abs(value) < 10**14:
            text_value = ("-0" if value < 0 else "0") + str(abs(value))
        else:
            text_value = sfv.serialize_bare_item(value)
        written.append(f";{name}={text_value}")
    text = f"sig=({inside}){''.join(written)}"
    expected = InnerList(tuple(Item(s, {}) for s in strings), dict(params))
    assert sfv.parse_dictionary(text) == {"sig": expected}
    assert sfv.parse_dictionary(text + ", other=1")["sig"] == expected
    canonical = sfv.parse_canonical_single_inner_list(text)
    if canonical is not None:
        assert canonical == ("sig", expected, sfv.serialize_inner_list(expected))
