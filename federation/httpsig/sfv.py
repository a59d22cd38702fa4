"""The parts of RFC 8941 (Structured Field Values) that HTTP signatures need.

Dictionaries, lists, inner lists, parameters and the bare item types: integers, decimals,
strings, tokens, byte sequences and booleans.

Why our own and not a PyPI package: `http-sf` (pulled in by the test-only
`http-message-signatures`) is correct but untyped and allocation-heavy, and
`Signature-Input` is parsed on every inbox POST (2,000/s per instance is the target), so the
parser is on the hot path. This one is typed for mypy --strict and matches one compiled
regular expression per item instead of scanning one character at a time; the usual
`Signature-Input` and `Signature` shapes have single-match fast paths
(`parse_canonical_single_inner_list`, `parse_single_byte_sequence`), and everything else
takes the general parser.

Values are plain Python objects: `int`, `Decimal`, `str` (an sf-string), `Token` (a `str`
subclass), `bytes` and `bool`. An item is `Item(value, params)`; an inner list is
`InnerList(items, params)`. Parameters and dictionaries are insertion-ordered dicts, and
a key given twice keeps its last value, as RFC 8941 section 4.2 requires.
"""

from __future__ import annotations

import binascii
import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache, partial
from typing import NamedTuple, TypeAlias, cast

from federation.httpsig.errors import StructuredFieldError

__all__ = [
    "BareItem",
    "Dictionary",
    "InnerList",
    "Item",
    "Member",
    "Params",
    "Token",
    "parse_canonical_single_inner_list",
    "parse_dictionary",
    "parse_item",
    "parse_list",
    "parse_single_byte_sequence",
    "serialize_bare_item",
    "serialize_dictionary",
    "serialize_inner_list",
    "serialize_item",
    "serialize_list",
    "serialize_params",
]


class Token(str):
    """An sf-token (RFC 8941 section 3.3.4), told apart from an sf-string by its type."""

    __slots__ = ()


BareItem: TypeAlias = bool | int | Decimal | Token | str | bytes
Params: TypeAlias = dict[str, BareItem]


class Item(NamedTuple):
    """A bare item with its parameters."""

    value: BareItem
    params: Params


class InnerList(NamedTuple):
    """A parenthesised list of items with its own parameters."""

    items: tuple[Item, ...]
    params: Params


Member: TypeAlias = Item | InnerList
Dictionary: TypeAlias = dict[str, Member]

_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
# sf-string contents, written as an "unrolled loop" of character classes: re handles
# that several times faster than an alternation tried at every character.
_CHARS = r"[\x20\x21\x23-\x5b\x5d-\x7e]*"
_STRING_BODY = _CHARS + r'(?:\\["\\]' + _CHARS + ")*"
# One alternation per bare item type (RFC 8941 section 4.2.3), so that an item costs one
# regex match; `_to_value` turns the group that matched into a Python value.
_VALUE = (
    '"(' + _STRING_BODY + ')"'  # string
    r"|(-?[0-9]{1,12}\.[0-9]{1,3})(?![0-9])"  # decimal
    r"|(-?[0-9]{1,15})(?![0-9.])"  # integer
    r"|([A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*)"  # token
    r"|:([A-Za-z0-9+/=]*):"  # byte sequence
    r"|\?([01])"  # boolean
)
_BARE = re.compile(_VALUE)
# A parameter: its key, then optionally "=" and a value (value groups start at 2).
_PARAM = re.compile(r";[ ]*([a-z*][a-z0-9_\-.*]*)(?:=(?:" + _VALUE + "))?")
# Fast path for the shape nearly every Signature-Input member has: an inner list of plain
# strings, then string or integer parameters. One match replaces a dozen; anything else (an
# item with parameters, a token, a boolean...) falls back to the general parser below.
_STR = '"' + _STRING_BODY + '"'
_FAST_INNER_LIST_TEXT = (
    r"\([ ]*(?P<items>(?:" + _STR + r"(?:[ ]+" + _STR + r")*)?)[ ]*\)"
    r"(?P<params>(?:;[a-z*][a-z0-9_\-.*]*=(?:" + _STR + r"|-?[0-9]{1,15}(?![0-9.])))*)"
)
_FAST_INNER_LIST = re.compile(_FAST_INNER_LIST_TEXT)
# The whole of a typical Signature-Input: one label, one such inner list.
_FAST_SINGLE_INNER_LIST = re.compile(r"(?P<key>[a-z*][a-z0-9_\-.*]*)=" + _FAST_INNER_LIST_TEXT)
_FAST_STRINGS = re.compile('"(' + _STRING_BODY + ')"')
_FAST_PARAMS = re.compile(
    r";([a-z*][a-z0-9_\-.*]*)=(?:" + '"(' + _STRING_BODY + ')"' + r"|(-?[0-9]+))"
)
# The same shape written exactly as `serialize_inner_list` would write it (single spaces,
# canonical integers), as a single-member dictionary: its text is its own serialization.
_CANONICAL_SINGLE_INNER_LIST = re.compile(
    r"(?P<key>[a-z*][a-z0-9_\-.*]*)="
    r"(?P<member>\((?P<items>(?:" + _STR + r"(?: " + _STR + r")*)?)\)"
    r"(?P<params>(?:;[a-z*][a-z0-9_\-.*]*=(?:" + _STR + r"|0|-?[1-9][0-9]{0,14}))*))"
)
# A dictionary of one byte sequence (`Signature: sig1=:...:`, `Content-Digest: sha-256=:...:`).
_SINGLE_BYTES = re.compile(r"([a-z*][a-z0-9_\-.*]*)=:([A-Za-z0-9+/=]*):")
_MEMBER_KEY = re.compile(r"([a-z*][a-z0-9_\-.*]*)(=?)")
_UNESCAPE = re.compile(r"\\(.)")
_MAX_INTEGER = 999_999_999_999_999


def _to_value(match: re.Match[str], first: int) -> BareItem:
    """The bare item whose group matched; `first` is the string group's number."""
    index = match.lastindex or 0
    text = match.group(index)
    kind = index - first
    if kind == 0:
        return _UNESCAPE.sub(r"\1", text) if "\\" in text else text
    if kind == 2:
        return int(text)
    if kind == 3:
        return Token(text)
    if kind == 1:
        return Decimal(text)
    if kind == 4:
        return _decode_base64(text)
    return text == "1"


def _fail(text: str, pos: int, what: str) -> StructuredFieldError:
    return StructuredFieldError(f"{what} at offset {pos} of {text!r}")


def _params(text: str, pos: int) -> tuple[Params, int]:
    params: Params = {}
    while text.startswith(";", pos):
        match = _PARAM.match(text, pos)
        if match is None:
            raise _fail(text, pos, "invalid parameter")
        params[match.group(1)] = True if match.lastindex == 1 else _to_value(match, 2)
        pos = match.end()
    return params, pos


def _item(text: str, pos: int) -> tuple[Item, int]:
    match = _BARE.match(text, pos)
    if match is None:
        raise _fail(text, pos, "expected an item")
    value = _to_value(match, 1)
    pos = match.end()
    if text.startswith(";", pos):
        params, pos = _params(text, pos)
        return Item(value, params), pos
    return Item(value, {}), pos


# Builds an Item from a (value, params) pair without the Python-level frame of the
# NamedTuple constructor; only for the hot parsing path.
_new_item = partial(tuple.__new__, Item)


def _fast_inner_list_value(match: re.Match[str]) -> InnerList:
    """The inner list a `_FAST_INNER_LIST`-shaped match (groups `items`, `params`) holds."""
    items_text = match.group("items")
    raws = _FAST_STRINGS.findall(items_text)
    if "\\" in items_text:
        raws = [_UNESCAPE.sub(r"\1", raw) for raw in raws]
    items = tuple([_new_item((raw, {})) for raw in raws])
    params: Params = {}
    for name, string, number in _FAST_PARAMS.findall(match.group("params")):
        if number:
            params[name] = int(number)
        else:
            params[name] = _UNESCAPE.sub(r"\1", string) if "\\" in string else string
    return InnerList(items, params)


def parse_canonical_single_inner_list(text: str) -> tuple[str, InnerList, str] | None:
    """Fast path for a typical `Signature-Input`: if `text` is a dictionary of exactly one
    inner list of plain strings with string or integer parameters, written canonically,
    return its key, the inner list, and the inner list's text (which is then its exact
    serialization). Otherwise None: use `parse_dictionary`."""
    match = _CANONICAL_SINGLE_INNER_LIST.fullmatch(text.strip(" "))
    if match is None:
        return None
    inner = _fast_inner_list_value(match)
    if len(inner.params) != match.group("params").count(";"):
        # A repeated parameter (the last one wins), or a ";" inside a string value: the
        # text may not be canonical, so let the general path re-serialize.
        return None
    return match.group("key"), inner, match.group("member")


def parse_single_byte_sequence(text: str) -> tuple[str, bytes] | None:
    """Fast path for a typical `Signature`: if `text` is a dictionary of exactly one byte
    sequence without parameters, return its key and bytes; otherwise None."""
    match = _SINGLE_BYTES.fullmatch(text.strip(" "))
    if match is None:
        return None
    return match.group(1), _decode_base64(match.group(2))


def _fast_inner_list(text: str, pos: int) -> tuple[InnerList, int] | None:
    match = _FAST_INNER_LIST.match(text, pos)
    if match is None:
        return None
    end = match.end()
    if end < len(text) and text[end] not in " \t,":
        return None  # more follows (e.g. a boolean parameter): not the fast shape
    return _fast_inner_list_value(match), end


def _item_or_inner_list(text: str, pos: int) -> tuple[Member, int]:
    if not text.startswith("(", pos):
        return _item(text, pos)
    fast = _fast_inner_list(text, pos)
    if fast is not None:
        return fast
    pos += 1
    items: list[Item] = []
    end = len(text)
    while True:
        while pos < end and text[pos] == " ":
            pos += 1
        if text.startswith(")", pos):
            params, pos = _params(text, pos + 1)
            return InnerList(tuple(items), params), pos
        item, pos = _item(text, pos)
        items.append(item)
        if pos >= end or text[pos] not in " )":
            raise _fail(text, pos, "inner list items must be separated by a space")


def _skip_ows(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in " \t":
        pos += 1
    return pos


def _next_member(text: str, pos: int) -> int:
    """Consume OWS, a comma and OWS; -1 when the value is finished."""
    pos = _skip_ows(text, pos)
    if pos >= len(text):
        return -1
    if text[pos] != ",":
        raise _fail(text, pos, "expected a comma")
    pos = _skip_ows(text, pos + 1)
    if pos >= len(text):
        raise _fail(text, pos, "trailing comma")
    return pos


def _decode_base64(text: str) -> bytes:
    # RFC 8941 section 4.2.7: parsers SHOULD accept a value without its "=" padding.
    try:
        return binascii.a2b_base64(text + "=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error as error:
        raise StructuredFieldError(f"invalid base64 in byte sequence: {error}") from error


def parse_dictionary(text: str) -> Dictionary:
    """Parse a Dictionary field value; raise `StructuredFieldError` if it is not one."""
    # RFC 8941 section 4.2: leading and trailing SP are not part of the value.
    text = text.strip(" ")
    single = _SINGLE_BYTES.fullmatch(text)
    if single is not None:
        return {single.group(1): Item(_decode_base64(single.group(2)), {})}
    single = _FAST_SINGLE_INNER_LIST.fullmatch(text)
    if single is not None:
        return {single.group("key"): _fast_inner_list_value(single)}
    result: Dictionary = {}
    pos = 0 if text else -1
    while pos >= 0:
        match = _MEMBER_KEY.match(text, pos)
        if match is None:
            raise _fail(text, pos, "expected a key")
        if match.group(2):
            result[match.group(1)], pos = _item_or_inner_list(text, match.end())
        else:
            params, pos = _params(text, match.end())
            result[match.group(1)] = Item(True, params)
        pos = _next_member(text, pos)
    return result


def parse_list(text: str) -> list[Member]:
    """Parse a List field value; raise `StructuredFieldError` if it is not one."""
    text = text.strip(" ")
    result: list[Member] = []
    pos = 0 if text else -1
    while pos >= 0:
        member, pos = _item_or_inner_list(text, pos)
        result.append(member)
        pos = _next_member(text, pos)
    return result


def parse_item(text: str) -> Item:
    """Parse an Item field value; raise `StructuredFieldError` if it is not one."""
    text = text.strip(" ")
    item, pos = _item(text, 0)
    if pos != len(text):
        raise _fail(text, pos, "unexpected characters after the item")
    return item


def serialize_bare_item(value: BareItem) -> str:
    """Serialize one bare item (RFC 8941 section 4.1.3); raise if it cannot be."""
    kind = type(value)
    # Exact-type checks first: this runs for every component of every signature base.
    if kind is str:
        return _serialize_string(cast(str, value))
    if kind is int:
        if not -_MAX_INTEGER <= cast(int, value) <= _MAX_INTEGER:
            raise StructuredFieldError(f"integer out of range: {value!r}")
        return str(value)
    # bool before int: bool is a subclass of int.
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, Token):
        if _TOKEN.fullmatch(value) is None:
            raise StructuredFieldError(f"invalid token: {value!r}")
        return str.__str__(value)
    if isinstance(value, bytes):
        return ":" + binascii.b2a_base64(value, newline=False).decode("ascii") + ":"
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, int):
        return serialize_bare_item(int(value))
    if isinstance(value, str):
        return _serialize_string(value)
    raise StructuredFieldError(f"not a structured field value: {value!r}")


def _serialize_string(value: str) -> str:
    # Printable ASCII is exactly what isascii() and isprintable() both accept.
    if not (value.isascii() and value.isprintable()):
        raise StructuredFieldError(f"string has characters outside printable ASCII: {value!r}")
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _serialize_decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    if abs(rounded) >= Decimal(10) ** 12:
        raise StructuredFieldError(f"decimal out of range: {value}")
    text = format(rounded, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text


@lru_cache(maxsize=256)
def _valid_key(name: str) -> bool:
    return _KEY.fullmatch(name) is not None


def serialize_params(params: Params) -> str:
    """Serialize parameters, each as `;key` (boolean true) or `;key=value`."""
    parts = []
    for name, value in params.items():
        if not _valid_key(name):
            raise StructuredFieldError(f"invalid parameter name: {name!r}")
        if value is True:
            parts.append(f";{name}")
        elif type(value) is int and -_MAX_INTEGER <= value <= _MAX_INTEGER:
            parts.append(f";{name}={value}")
        else:
            parts.append(f";{name}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_item(item: Item) -> str:
    """Serialize an item with its parameters."""
    value, params = item
    text = serialize_bare_item(value)
    return text + serialize_params(params) if params else text


def serialize_inner_list(inner: InnerList) -> str:
    """Serialize an inner list: `(item item ...)` followed by its parameters."""
    body = " ".join(serialize_item(item) for item in inner.items)
    return f"({body}){serialize_params(inner.params)}"


def _serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        return serialize_inner_list(member)
    return serialize_item(member)


def serialize_list(members: list[Member]) -> str:
    """Serialize a List field value."""
    return ", ".join(_serialize_member(member) for member in members)


def serialize_dictionary(dictionary: Dictionary) -> str:
    """Serialize a Dictionary field value (a member whose value is `?1` is written bare)."""
    parts = []
    for name, member in dictionary.items():
        if not _valid_key(name):
            raise StructuredFieldError(f"invalid dictionary key: {name!r}")
        if isinstance(member, Item) and member.value is True:
            parts.append(name + serialize_params(member.params))
        else:
            parts.append(f"{name}={_serialize_member(member)}")
    return ", ".join(parts)
