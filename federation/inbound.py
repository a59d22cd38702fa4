"""The inbox's check of an incoming request: may we store this activity?

``InboundCheck.check(...)`` runs the checks cheapest first, and stops at the first refusal:

1. host policy: the host of the signature's ``keyId`` (read from the header, nothing parsed
   or fetched) is blocked, or not allowed in allow-list mode → 403;
2. size: a ``Content-Length`` over the limit → 413, before reading anything;
3. content type: ``application/activity+json``, or ``application/ld+json`` with the
   ActivityStreams profile → else 415;
4. size again while reading the body (chunked or lying senders) → 413;
5. JSON: an object with an ``id``, a ``type`` and an ``actor`` → else 400; the actor's and the
   activity id's hosts pass the host policy → else 403;
6. signature: ``federation.httpsig.verify_request`` (digest signed and matching on POST, a
   signed date or ``created`` within the window, target and host covered) with keys from
   ``RemoteActors`` → 401 with the ``SignatureCheck`` failure code; a key that had to be
   fetched from a refused host → 403;
7. the key's owner is the activity's actor → else 401 (``key_owner_mismatch``);
8. the activity id lives on the actor's host → else 403 (an actor cannot pre-empt another
   host's activity ids in our de-duplication).

The answer is an ``InboundResult`` (frozen; never a bare bool) that the endpoint turns into
its HTTP status, and, when accepted, the durable insert (``federation.inbox.store``) follows.

The ``host`` header is verified as this instance's own authority, whatever arrived: a
reverse proxy may rewrite it, and a request signed for another server must not verify here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from federation.httpsig import (
    FailureCode,
    ResolvedKey,
    SignatureCheck,
    VerifyOptions,
    require_owner,
    verify_request,
)
from federation.net import BlockedHost
from federation.net.document import AS_PROFILE
from federation.policy import FederationPolicy, host_of_url
from federation.remote import KeyUnavailable, authority_of

__all__ = [
    "DEFAULT_MAX_BYTES",
    "InboundActivity",
    "InboundCheck",
    "InboundCode",
    "InboundOptions",
    "InboundResult",
    "InvalidActivity",
    "KeySource",
    "as_to_inbound_activity",
    "claimed_key_id",
    "is_activity_content_type",
    "read_limited",
]

log = logging.getLogger("federation.inbound")

DEFAULT_MAX_BYTES: Final = 1024 * 1024
_MAX_URI: Final = 2048
_KEY_ID: Final = re.compile(r'(?:^|[,;\s])keyid\s*=\s*"([^"]{1,2048})"', re.IGNORECASE)


class InboundCode(StrEnum):
    """Why a request was refused, beyond the signature failure codes (``FailureCode``)."""

    ACCEPTED = "accepted"
    BLOCKED_HOST = "blocked_host"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INVALID_JSON = "invalid_json"
    INVALID_ACTIVITY = "invalid_activity"
    FOREIGN_ACTIVITY_ID = "foreign_activity_id"


class InvalidActivity(ValueError):
    """The JSON object is not an activity we can store."""


@dataclass(frozen=True, slots=True)
class InboundActivity:
    """The envelope of an incoming activity: what the inbox indexes it by."""

    id: str
    type: str
    actor: str
    object_id: str | None


@dataclass(frozen=True, slots=True)
class InboundResult:
    """The verdict on one incoming request.

    ``status`` is the HTTP status to answer (202 when accepted); ``code`` is an
    ``InboundCode`` or, for 401, the signature's ``FailureCode``. ``activity``, ``payload``
    and ``signature`` are filled in as far as the checks got.
    """

    status: int
    code: str
    message: str
    activity: InboundActivity | None = None
    payload: dict[str, Any] | None = None
    signature: SignatureCheck | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 202


@dataclass(frozen=True, slots=True)
class InboundOptions:
    """The inbox's limits: largest body, and the signature's clock-skew window."""

    max_bytes: int = DEFAULT_MAX_BYTES
    window: timedelta = timedelta(seconds=300)


def _uri(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, str) and len(value) <= _MAX_URI and authority_of(value) is not None:
        return value
    return None


def as_to_inbound_activity(document: Mapping[str, Any]) -> InboundActivity:
    """The envelope of an activity: its ``id``, first ``type``, ``actor`` (a URI, or an
    object with one) and the id of its ``object``, if any. Raises ``InvalidActivity``."""
    activity_id = _uri(document.get("id"))
    if activity_id is None or not isinstance(document.get("id"), str):
        raise InvalidActivity("the activity needs an http(s) id")
    kind = document.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    first = next((k for k in kinds if isinstance(k, str) and k), None)
    if first is None or len(first) > 64:
        raise InvalidActivity("the activity needs a type")
    actor = _uri(document.get("actor"))
    if actor is None:
        raise InvalidActivity("the activity needs an actor (an http(s) URI)")
    return InboundActivity(activity_id, first, actor, _uri(document.get("object")))


def _media_params(value: str) -> tuple[str, dict[str, str]]:
    media, *rest = value.split(";")
    params: dict[str, str] = {}
    for part in rest:
        name, _, param = part.partition("=")
        params[name.strip().lower()] = param.strip().strip('"')
    return media.strip().lower(), params


def is_activity_content_type(value: str | None) -> bool:
    """``application/activity+json`` (any parameters), or ``application/ld+json`` whose
    ``profile`` names the ActivityStreams namespace."""
    if not value:
        return False
    media, params = _media_params(value)
    if media == "application/activity+json":
        return True
    if media == "application/ld+json":
        return AS_PROFILE in params.get("profile", "").split()
    return False


def claimed_key_id(headers: Mapping[str, str]) -> str | None:
    """The ``keyId`` (cavage) or ``keyid`` (RFC 9421) a request names, read without parsing
    the signature, so that a refused host costs nothing. None if there is none."""
    for name in ("signature-input", "signature", "authorization"):
        value = headers.get(name)
        if value:
            found = _KEY_ID.search(value)
            if found:
                return found.group(1)
    return None


async def read_limited(chunks: AsyncIterable[bytes], limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), and PostgreSQL refuses to store them.
    raise ValueError(f"{name} is not a JSON value")


class KeySource(Protocol):
    """Where keys come from (``federation.remote.RemoteActors``): a key resolver that may
    raise ``KeyUnavailable`` to say why a key could not be had."""

    async def resolve_key(self, key_id: str, *, refresh: bool) -> ResolvedKey | None: ...


class RecordingResolver:
    """Asks the key source and remembers why a key could not be had."""

    def __init__(self, remote: KeySource) -> None:
        self.remote = remote
        self.error: KeyUnavailable | None = None

    async def __call__(self, key_id: str, *, refresh: bool) -> ResolvedKey | None:
        try:
            return await self.remote.resolve_key(key_id, refresh=refresh)
        except KeyUnavailable as error:
            self.error = error
            return None


def _refuse(status: int, code: str, message: str, **more: Any) -> InboundResult:
    return InboundResult(status=status, code=code, message=message, **more)


class InboundCheck:
    """The inbox's checks, with this instance's policy, key cache and limits."""

    def __init__(
        self,
        *,
        policy: FederationPolicy,
        remote: KeySource,
        options: InboundOptions | None = None,
    ) -> None:
        self.policy = policy
        self.remote = remote
        self.options = options or InboundOptions()
        self._verify_options = VerifyOptions(window=self.options.window)

    def _host_refusal(self, url: str | None, what: str) -> InboundResult | None:
        if url is None:
            return None
        host = host_of_url(url)
        if host is None or self.policy.may_federate(host):
            return None
        return _refuse(
            403,
            InboundCode.BLOCKED_HOST,
            f"this instance does not federate with {host} (the {what})",
        )

    async def check(
        self,
        *,
        url: str,
        authority: str,
        headers: Iterable[tuple[str, str]],
        body: AsyncIterable[bytes],
        now: datetime,
    ) -> InboundResult:
        """Check a POST to an inbox.

        ``url`` is the public URL the sender addressed (base URL + path); ``authority`` is
        this instance's ``host[:port]``; ``headers`` are the request's (name, value) pairs;
        ``body`` yields the body's chunks and is read only once the cheap checks passed.
        The policy must be fresh (``policy.ensure_fresh``) before calling.
        """
        pairs = [(name.lower(), value) for name, value in headers]
        first: dict[str, str] = {}
        for name, value in pairs:
            first.setdefault(name, value)

        # 1. host policy, from the key id alone
        refusal = self._host_refusal(claimed_key_id(first), "signature's key")
        if refusal is not None:
            return refusal

        # 2. declared size
        limit = self.options.max_bytes
        declared = first.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return _refuse(
                413,
                InboundCode.BODY_TOO_LARGE,
                f"the body is larger than the {limit} bytes an inbox accepts",
            )

        # 3. content type
        content_type = first.get("content-type")
        if not is_activity_content_type(content_type):
            return _refuse(
                415,
                InboundCode.UNSUPPORTED_MEDIA_TYPE,
                f"send application/activity+json or application/ld+json; "
                f'profile="{AS_PROFILE}", not {content_type or "no content type"}',
            )

        # 4. actual size
        data = await read_limited(body, limit)
        if data is None:
            return _refuse(
                413,
                InboundCode.BODY_TOO_LARGE,
                f"the body is larger than the {limit} bytes an inbox accepts",
            )

        # 5. JSON and the activity's envelope
        try:
            payload = json.loads(data, parse_constant=_no_constants)
        except (ValueError, RecursionError) as error:
            return _refuse(400, InboundCode.INVALID_JSON, f"the body is not JSON: {error}")
        if not isinstance(payload, dict):
            return _refuse(400, InboundCode.INVALID_JSON, "the body must be a JSON object")
        try:
            activity = as_to_inbound_activity(payload)
        except InvalidActivity as error:
            return _refuse(400, InboundCode.INVALID_ACTIVITY, str(error))
        refusal = self._host_refusal(activity.actor, "activity's actor") or self._host_refusal(
            activity.id, "activity's id"
        )
        if refusal is not None:
            return refusal

        # 6. signature
        resolver = RecordingResolver(self.remote)
        verified = [(name, value) for name, value in pairs if name != "host"]
        verified.append(("host", authority))
        signature = await verify_request(
            "POST",
            url,
            verified,
            data,
            resolve_key=resolver,
            now=now,
            options=self._verify_options,
        )
        if not signature.ok:
            unavailable = resolver.error
            message = signature.message
            if unavailable is not None and signature.failure is FailureCode.UNKNOWN_KEY:
                message = f"{message}: {unavailable.message}"
                if isinstance(unavailable.cause, BlockedHost):
                    return _refuse(
                        403,
                        InboundCode.BLOCKED_HOST,
                        message,
                        activity=activity,
                        signature=signature,
                    )
            code = signature.failure or FailureCode.BAD_SIGNATURE
            return _refuse(401, code, message, activity=activity, signature=signature)

        # 7. the key's owner is the actor
        owned = require_owner(signature, activity.actor)
        if not owned.ok:
            code = owned.failure or FailureCode.KEY_OWNER_MISMATCH
            return _refuse(401, code, owned.message, activity=activity, signature=owned)

        # 8. the activity's id is the actor's host's to give
        if authority_of(activity.id) != authority_of(activity.actor):
            return _refuse(
                403,
                InboundCode.FOREIGN_ACTIVITY_ID,
                f"{activity.actor} may not send an activity with the id {activity.id}",
                activity=activity,
                signature=owned,
            )
        return InboundResult(
            status=202,
            code=InboundCode.ACCEPTED,
            message="accepted",
            activity=activity,
            payload=payload,
            signature=owned,
        )
