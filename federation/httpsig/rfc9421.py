"""RFC 9421 HTTP Message Signatures: signature base, signing, parsing, verifying.

Supported components (section 2): header fields (with the `key` and `bs` parameters) and
the derived components `@method`, `@target-uri`, `@authority`, `@scheme`,
`@request-target`, `@path`, `@query`, `@query-param` and `@status`. Signature parameters
(section 2.3): `created`, `expires`, `keyid`, `alg`, `nonce`, `tag`; unknown ones are kept
and signed, as the RFC asks.

These functions check signatures and structure only. Whether a signature covers enough of
the message, is fresh, and matches the body is policy: see `federation.httpsig.check`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, NamedTuple, TypeAlias

from federation.httpsig import sfv
from federation.httpsig.errors import MalformedSignature, UnsupportedAlgorithm
from federation.httpsig.keys import (
    ECDSA_P256_SHA256,
    ED25519,
    HMAC_SHA256,
    RSA_PSS_SHA512,
    RSA_V1_5_SHA256,
    SigningKey,
    VerificationKey,
)
from federation.httpsig.message import HttpMessage

__all__ = [
    "DEFAULT_LABEL",
    "KNOWN_ALGORITHMS",
    "ComponentSpec",
    "Rfc9421Signature",
    "algorithms_for",
    "parse_signatures",
    "sign",
    "signature_base",
    "verify",
    "verify_base",
]

DEFAULT_LABEL: Final = "sig1"
KNOWN_ALGORITHMS: Final = frozenset(
    {RSA_V1_5_SHA256, RSA_PSS_SHA512, ED25519, ECDSA_P256_SHA256, HMAC_SHA256}
)

# A component to cover when signing: a plain name ("@method", "content-digest") or an item
# with parameters (sfv.Item("@query-param", {"name": "Pet"})).
ComponentSpec: TypeAlias = str | sfv.Item

_DERIVED: Final = frozenset(
    {
        "@method",
        "@target-uri",
        "@authority",
        "@scheme",
        "@request-target",
        "@path",
        "@query",
        "@query-param",
        "@status",
    }
)


class Rfc9421Signature(NamedTuple):
    """One labelled signature read from `Signature-Input` and `Signature`."""

    label: str
    inner: sfv.InnerList
    signature: bytes
    # The canonical serialization of `inner`, when already known from the field's text.
    serialized: str | None = None

    @property
    def components(self) -> tuple[sfv.Item, ...]:
        """The covered component identifiers, in signed order."""
        return self.inner.items

    @property
    def key_id(self) -> str | None:
        value = self.inner.params.get("keyid")
        return value if isinstance(value, str) else None

    @property
    def alg(self) -> str | None:
        value = self.inner.params.get("alg")
        return value if isinstance(value, str) else None

    @property
    def created(self) -> int | None:
        value = self.inner.params.get("created")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def expires(self) -> int | None:
        value = self.inner.params.get("expires")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def covered_names(self) -> tuple[str, ...]:
        """Component identifiers as text: `@method`, or `"@query-param";name="Pet"` with
        parameters."""
        return tuple(
            str(item.value) if not item.params else sfv.serialize_item(item)
            for item in self.inner.items
        )


# A lowercase field name (an HTTP token) or a registered-style derived component name.
_PLAIN_NAME: Final = re.compile(r"@?[a-z0-9!#$%&'*+.^_`|~-]+")


@lru_cache(maxsize=512)
def _is_plain_name(name: str) -> bool:
    """Whether `name`'s identifier is just `"name"` and its value needs no parameter."""
    return _PLAIN_NAME.fullmatch(name) is not None


_PARAM_TYPES: Final[dict[str, type]] = {
    "created": int,
    "expires": int,
    "keyid": str,
    "alg": str,
    "nonce": str,
    "tag": str,
}


def _check_params(params: sfv.Params) -> None:
    for name, value in params.items():
        expected = _PARAM_TYPES.get(name)
        # Exact types: a bool is not an integer here, nor a token a string.
        if expected is not None and type(value) is not expected:
            kind = "an integer" if expected is int else "a string"
            raise MalformedSignature(f"signature parameter {name!r} must be {kind}")


def parse_signatures(message: HttpMessage) -> list[Rfc9421Signature]:
    """Every signature of `message`, in `Signature-Input` order.

    Returns an empty list if there is no `Signature-Input` field. Raises
    `MalformedSignature` if the fields do not parse, or their labels do not pair up.
    """
    inputs_text = message.field("signature-input")
    if inputs_text is None:
        return []
    signatures_text = message.field("signature")
    if signatures_text is None:
        raise MalformedSignature("Signature-Input without a Signature field")
    # Fast path: one canonical signature, as nearly every sender writes it.
    single_input = sfv.parse_canonical_single_inner_list(inputs_text)
    if single_input is not None:
        single_signature = sfv.parse_single_byte_sequence(signatures_text)
        if single_signature is not None and single_signature[0] == single_input[0]:
            label, single_inner, serialized = single_input
            _check_params(single_inner.params)
            return [Rfc9421Signature(label, single_inner, single_signature[1], serialized)]
    inputs = sfv.parse_dictionary(inputs_text)
    signatures = sfv.parse_dictionary(signatures_text)
    if inputs.keys() != signatures.keys():
        raise MalformedSignature("Signature-Input and Signature labels differ")
    result = []
    for label, inner in inputs.items():
        if not isinstance(inner, sfv.InnerList):
            raise MalformedSignature(f"Signature-Input member {label!r} is not an inner list")
        signature = signatures[label]
        if not isinstance(signature, sfv.Item) or not isinstance(signature.value, bytes):
            raise MalformedSignature(f"Signature member {label!r} is not a byte sequence")
        _check_params(inner.params)
        result.append(Rfc9421Signature(label, inner, signature.value))
    return result


def _field_value(message: HttpMessage, name: str, params: sfv.Params) -> str:
    if not params:
        value = message.field(name)
        if value is None:
            raise MalformedSignature(f"covered field {name!r} is absent")
        return value
    if params.keys() == {"key"} and isinstance(params["key"], str):
        # Section 2.1.2: the serialized member of a Dictionary field.
        value = message.field(name)
        if value is None:
            raise MalformedSignature(f"covered field {name!r} is absent")
        member = sfv.parse_dictionary(value).get(params["key"])
        if member is None:
            raise MalformedSignature(f"field {name!r} has no member {params['key']!r}")
        if isinstance(member, sfv.InnerList):
            return sfv.serialize_inner_list(member)
        return sfv.serialize_item(member)
    if params.keys() == {"bs"} and params["bs"] is True:
        # Section 2.1.3: each field line wrapped as a byte sequence.
        lines = message.field_lines(name)
        if lines is None:
            raise MalformedSignature(f"covered field {name!r} is absent")
        return ", ".join(sfv.serialize_bare_item(line.encode("latin-1")) for line in lines)
    raise MalformedSignature(f"unsupported parameters on covered field {name!r}: {params!r}")


def _derived_value(message: HttpMessage, name: str, params: sfv.Params) -> str:
    if name == "@query-param":
        encoded = params.get("name")
        if params.keys() != {"name"} or not isinstance(encoded, str):
            raise MalformedSignature('"@query-param" needs exactly one string "name" parameter')
        return message.query_param(encoded)
    if params:
        raise MalformedSignature(f"unsupported parameters on {name!r}: {params!r}")
    if name == "@status":
        if message.status is None:
            raise MalformedSignature('"@status" is only for responses')
        return str(message.status)
    if message.method is None:
        raise MalformedSignature(f"{name!r} is only for requests")
    if name == "@method":
        return message.method
    if name == "@target-uri":
        return message.target_uri
    if name == "@authority":
        return message.authority
    if name == "@scheme":
        return message.scheme
    if name == "@request-target":
        return message.request_target
    if name == "@path":
        return message.path
    # "@query": section 2.2.7, an absent query is a lone "?".
    return "?" if message.query is None else "?" + message.query


def _component_line(message: HttpMessage, item: sfv.Item) -> tuple[str, str]:
    """The serialized identifier of `item` and its signature base line (general path)."""
    name, params = item
    if type(name) is not str:
        raise MalformedSignature(f"component identifier {name!r} is not a string")
    if name.startswith("@"):
        if name not in _DERIVED:
            raise MalformedSignature(f"unknown derived component {name!r}")
        value = _derived_value(message, name, params)
    else:
        if name != name.lower():
            raise MalformedSignature(f"field name {name!r} is not lowercase")
        value = _field_value(message, name, params)
    if "\n" in value or "\r" in value:
        raise MalformedSignature(f"component {name!r} has a line break in its value")
    identifier = sfv.serialize_item(item)
    return identifier, f"{identifier}: {value}"


def signature_base(
    message: HttpMessage, inner: sfv.InnerList, serialized: str | None = None
) -> bytes:
    """The signature base of section 2.5 for covered components and parameters `inner`.

    `serialized`, if given, must be the canonical serialization of `inner` (as
    `Rfc9421Signature.serialized` is); it saves serializing `inner` again. Raises
    `MalformedSignature` if a component is repeated, unknown, or absent from the message,
    or if the base would not be ASCII.
    """
    lines = []
    identifiers = []
    derived = message.derived
    for item in inner.items:
        name, params = item
        # Fast path, for nearly every component: a plain field name or a derived
        # component without parameters, whose identifier is just the quoted name.
        if not params and type(name) is str and _is_plain_name(name):
            value = derived.get(name)
            if value is None:
                if name in _DERIVED:
                    value = _derived_value(message, name, params)
                else:
                    value = message.field(name)
                    if value is None:
                        raise MalformedSignature(f"covered field {name!r} is absent")
            if "\n" in value or "\r" in value:
                raise MalformedSignature(f"component {name!r} has a line break in its value")
            identifier = f'"{name}"'
            line = f"{identifier}: {value}"
        else:
            identifier, line = _component_line(message, item)
        if identifier in identifiers:
            raise MalformedSignature(f"component {identifier} is covered twice")
        identifiers.append(identifier)
        lines.append(line)
    if serialized is None:
        # The identifiers are already serialized: reuse them for the @signature-params line.
        params_text = sfv.serialize_params(inner.params) if inner.params else ""
        serialized = f"({' '.join(identifiers)}){params_text}"
    lines.append(f'"@signature-params": {serialized}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as error:
        raise MalformedSignature("the signature base is not ASCII") from error


def algorithms_for(declared: str | None, key: VerificationKey) -> tuple[str, ...]:
    """The algorithms to try with `key`, given the `alg` parameter (section 3.2 step 5).

    Raises `UnsupportedAlgorithm` if `declared` is unknown or does not fit the key.
    """
    if declared is None:
        return key.algorithms
    if declared not in KNOWN_ALGORITHMS:
        raise UnsupportedAlgorithm(f"unknown algorithm {declared!r}")
    if declared not in key.algorithms:
        raise UnsupportedAlgorithm(f"algorithm {declared!r} does not fit a {key.kind} key")
    return (declared,)


def verify_base(
    base: bytes, signature: bytes, declared: str | None, key: VerificationKey
) -> str | None:
    """Verify `signature` over `base`; return the algorithm that verified, or None.

    Raises `UnsupportedAlgorithm` as `algorithms_for` does.
    """
    for algorithm in algorithms_for(declared, key):
        if key.verify(algorithm, base, signature):
            return algorithm
    return None


def verify(message: HttpMessage, signature: Rfc9421Signature, key: VerificationKey) -> str | None:
    """Verify one parsed signature of `message` with `key`.

    Returns the algorithm that verified, or None if the signature is wrong. Raises
    `MalformedSignature` or `UnsupportedAlgorithm` if it cannot be checked at all. Does not
    look at `created` or `expires`: freshness is the caller's policy.
    """
    base = signature_base(message, signature.inner, signature.serialized)
    return verify_base(base, signature.signature, signature.alg, key)


def _component_item(spec: ComponentSpec) -> sfv.Item:
    return spec if isinstance(spec, sfv.Item) else sfv.Item(spec, {})


def sign(
    message: HttpMessage,
    key: SigningKey,
    key_id: str,
    components: Sequence[ComponentSpec],
    *,
    created: int,
    expires: int | None = None,
    nonce: str | None = None,
    tag: str | None = None,
    algorithm: str | None = None,
    include_alg: bool = True,
    label: str = DEFAULT_LABEL,
) -> tuple[str, str]:
    """Sign `message`; return the `Signature-Input` and `Signature` field values.

    `algorithm` defaults to the key's first algorithm (`rsa-v1_5-sha256` for RSA).
    Parameters are written in the order `created`, `keyid`, `alg`, `expires`, `nonce`,
    `tag`, the order RFC 9421's own examples use. Raises `MalformedSignature` if a
    component cannot be read from `message`.
    """
    chosen = algorithm or key.algorithms[0]
    if chosen not in key.algorithms:
        raise UnsupportedAlgorithm(f"algorithm {chosen!r} does not fit a {key.kind} key")
    params: sfv.Params = {"created": created, "keyid": key_id}
    if include_alg:
        params["alg"] = chosen
    if expires is not None:
        params["expires"] = expires
    if nonce is not None:
        params["nonce"] = nonce
    if tag is not None:
        params["tag"] = tag
    inner = sfv.InnerList(tuple(_component_item(spec) for spec in components), params)
    base = signature_base(message, inner)
    value = key.sign(chosen, base)
    # Serializing as dictionaries also rejects a label that is not a valid key.
    return (
        sfv.serialize_dictionary({label: inner}),
        sfv.serialize_dictionary({label: sfv.Item(value, {})}),
    )
