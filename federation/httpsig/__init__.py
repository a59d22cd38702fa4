"""HTTP signatures for federation: RFC 9421 and draft-cavage-http-signatures-12.

Incoming: `verify_request(...)` applies the inbox policy and returns a `SignatureCheck`;
`require_owner(check, actor_id)` then ties the key to the activity's actor. Keys are parsed
once into `PublicKey` / `PrivateKey` and cached by the caller; `RefetchLimiter` bounds the
refreshes of rotated keys.

Outgoing: `SigningAuth` (one scheme) or `DoubleKnockAuth` (RFC 9421 first, cavage on 401/400,
remembered per host in `SchemePreferences`) sign httpx requests.

The modules `rfc9421`, `cavage`, `digest` and `sfv` hold the lower-level functions.
Nothing here does I/O, touches a database, or works at import time.
"""

from federation.httpsig.auth import (
    DoubleKnockAuth,
    SchemePreferences,
    SigningAuth,
    sign_httpx_request,
)
from federation.httpsig.check import (
    DEFAULT_OPTIONS,
    FailureCode,
    KeyResolver,
    ResolvedKey,
    Scheme,
    SignatureCheck,
    VerifyOptions,
    require_owner,
    verify_request,
)
from federation.httpsig.digest import (
    DigestVerdict,
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)
from federation.httpsig.errors import (
    HttpSignatureError,
    MalformedSignature,
    StructuredFieldError,
    UnsupportedAlgorithm,
)
from federation.httpsig.httpdate import format_http_date, parse_http_date
from federation.httpsig.keys import PrivateKey, PublicKey, SharedSecret, SigningKey, VerificationKey
from federation.httpsig.message import HttpMessage
from federation.httpsig.ratelimit import RefetchLimiter

__all__ = [
    "DEFAULT_OPTIONS",
    "DigestVerdict",
    "DoubleKnockAuth",
    "FailureCode",
    "HttpMessage",
    "HttpSignatureError",
    "KeyResolver",
    "MalformedSignature",
    "PrivateKey",
    "PublicKey",
    "RefetchLimiter",
    "ResolvedKey",
    "Scheme",
    "SchemePreferences",
    "SharedSecret",
    "SignatureCheck",
    "SigningAuth",
    "SigningKey",
    "StructuredFieldError",
    "UnsupportedAlgorithm",
    "VerificationKey",
    "VerifyOptions",
    "check_content_digest",
    "check_digest",
    "content_digest_header",
    "digest_header",
    "format_http_date",
    "parse_http_date",
    "require_owner",
    "sign_httpx_request",
    "verify_request",
]
