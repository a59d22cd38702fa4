"""Errors raised by the low-level HTTP signature functions.

The verification policy (`federation.httpsig.check.verify_request`) never raises these: it
turns them into a failed `SignatureCheck`. Callers of the lower-level functions catch them.

    HttpSignatureError
     ├── MalformedSignature     a header, component or parameter cannot be used as sent
     │    └── StructuredFieldError   an RFC 8941 value does not parse or serialize
     └── UnsupportedAlgorithm   the algorithm is unknown, or does not fit the key
"""

from __future__ import annotations

__all__ = [
    "HttpSignatureError",
    "MalformedSignature",
    "StructuredFieldError",
    "UnsupportedAlgorithm",
]


class HttpSignatureError(Exception):
    """Base of every error raised by `federation.httpsig`."""


class MalformedSignature(HttpSignatureError):
    """A signature header, a covered component or a signature parameter is unusable."""


class StructuredFieldError(MalformedSignature, ValueError):
    """A structured field value (RFC 8941) does not parse, or a value cannot be serialized."""


class UnsupportedAlgorithm(HttpSignatureError):
    """The signature algorithm is unknown, deprecated, or incompatible with the key."""
