"""Remote actors and their public keys: parsed from ActivityPub documents, cached, refreshed.

``as_to_remote_actor(document)`` turns an actor document (Mastodon's shape, or any server's
that follows ActivityPub) into a ``ParsedActor``; it keeps only keys the actor really owns:
``publicKey`` entries whose ``owner`` is the actor, and FEP-521a ``assertionMethod``
Multikeys whose ``controller`` is the actor, each with an id on the actor's own host.

``RemoteActors`` is the key resolver the inbox verifies signatures with: memory, then the
``remote_keys`` table, then a signed GET through the safe client (which refuses private
addresses unless allow-listed, and hosts the federation policy refuses). A fetched actor is
stored (``RemoteActor`` and its ``RemoteKey`` rows) for every process of the instance. When a
signature fails, ``resolve_key(..., refresh=True)`` fetches the actor again, at most once per
host per interval (``RefetchLimiter``), to follow a key rotation.

Errors::

    RemoteError
     ├── InvalidActorDocument   the document is not an actor we can use (shape, origin)
     └── KeyUnavailable         no usable key for a key id (fetch failed, not listed, ...);
                                ``cause`` is the ``SafeClientError`` when the fetch failed
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.httpsig import PublicKey, RefetchLimiter, ResolvedKey
from federation.models import RemoteActor, RemoteKey
from federation.multikey import MultikeyError, ed25519_from_multibase
from federation.net import SafeClient, SafeClientError
from federation.policy import FederationPolicy
from governance.clock import Clock

__all__ = [
    "ACTOR_TYPES",
    "InvalidActorDocument",
    "KeyUnavailable",
    "ParsedActor",
    "ParsedKey",
    "RemoteActors",
    "RemoteError",
    "as_to_remote_actor",
    "authority_of",
    "store_actor",
]

log = logging.getLogger("federation.remote")

ACTOR_TYPES: Final = frozenset({"Person", "Organization", "Group", "Service", "Application"})
_MAX_URI: Final = 2048
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class RemoteError(Exception):
    """Base of the errors of this module."""


class InvalidActorDocument(RemoteError):
    """The document is not an actor we can use: wrong shape, or served from another origin."""


class KeyUnavailable(RemoteError):
    """No usable key could be found for a key id; ``cause`` is the fetch error, if any."""

    def __init__(self, message: str, *, cause: SafeClientError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ParsedKey:
    """A public key an actor owns, as SPKI PEM (Multikeys are converted)."""

    key_id: str
    owner: str
    public_key_pem: str
    source: str  # "publicKey", "assertionMethod", or "database" (read back from the cache)


@dataclass(frozen=True, slots=True)
class ParsedActor:
    """What we keep of a remote actor document."""

    uri: str
    host: str  # authority: host[:port], lower-case, default port omitted
    actor_type: str
    preferred_username: str
    name: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    url: str | None
    keys: tuple[ParsedKey, ...]
    document: dict[str, Any]

    def key(self, key_id: str) -> ParsedKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)


def authority_of(url: str) -> str | None:
    """``host[:port]`` of an http(s) URL, lower-case, default port omitted; None otherwise."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return host
    return f"{host}:{port}"


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _optional_uri(value: Any) -> str | None:
    """An http(s) URI given as a string or as an object with an ``id``; else None."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, str) and len(value) <= _MAX_URI and authority_of(value) is not None:
        return value
    return None


def _required_uri(value: Any, field: str) -> str:
    uri = _optional_uri(value)
    if uri is None:
        raise InvalidActorDocument(f"{field} must be an http(s) URI, not {value!r:.100}")
    return uri


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _link(value: Any) -> str | None:
    """``url`` may be a string, a Link object, or a list of either; the first http(s) one."""
    for item in value if isinstance(value, list) else [value]:
        href = item.get("href") if isinstance(item, Mapping) else item
        if isinstance(href, str) and len(href) <= _MAX_URI and authority_of(href) is not None:
            return href
    return None


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(document: Mapping[str, Any]) -> list[str]:
    return [t for t in _listed(document.get("type")) if isinstance(t, str)]


def _public_keys(document: Mapping[str, Any], actor_id: str, host: str) -> list[ParsedKey]:
    keys: list[ParsedKey] = []
    for entry in _listed(document.get("publicKey")):
        if not isinstance(entry, Mapping):
            continue  # a bare key id: nothing to verify with
        key_id, owner, pem = (
            entry.get("id"),
            entry.get("owner", actor_id),
            entry.get("publicKeyPem"),
        )
        if not _owned(key_id, owner, actor_id, host) or not isinstance(pem, str):
            continue
        try:
            parsed = PublicKey.from_pem(pem)
        except ValueError:
            log.info("skipping unparsable publicKeyPem %s of %s", key_id, actor_id)
            continue
        keys.append(ParsedKey(str(key_id), actor_id, parsed.to_pem(), "publicKey"))
    return keys


def _multikeys(document: Mapping[str, Any], actor_id: str, host: str) -> list[ParsedKey]:
    keys: list[ParsedKey] = []
    for entry in _listed(document.get("assertionMethod")):
        if not isinstance(entry, Mapping) or "Multikey" not in _types(entry):
            continue
        key_id, controller = entry.get("id"), entry.get("controller")
        multibase = entry.get("publicKeyMultibase")
        if not _owned(key_id, controller, actor_id, host) or not isinstance(multibase, str):
            continue
        try:
            raw = ed25519_from_multibase(multibase)
        except (MultikeyError, ValueError):
            log.info("skipping undecodable Multikey %s of %s", key_id, actor_id)
            continue
        pem = raw.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        keys.append(ParsedKey(str(key_id), actor_id, pem, "assertionMethod"))
    return keys


def _owned(key_id: Any, owner: Any, actor_id: str, host: str) -> bool:
    """A key counts only if the actor owns it and its id lives on the actor's host: another
    host cannot lend a key to an actor, nor an actor claim another host's key id."""
    return (
        isinstance(key_id, str)
        and len(key_id) <= _MAX_URI
        and owner == actor_id
        and authority_of(key_id) == host
    )


def as_to_remote_actor(
    document: Mapping[str, Any], *, fetched_from: str | None = None
) -> ParsedActor:
    """Parse an actor document.

    ``fetched_from`` is the final URL the document was read from: its authority must be the
    actor id's (else anyone could serve a document claiming another host's actor). Raises
    ``InvalidActorDocument`` if the document is not an actor with an id and an inbox.
    """
    actor_id = _required_uri(document.get("id"), "id")
    types = _types(document)
    actor_type = next((t for t in types if t in ACTOR_TYPES), None)
    if actor_type is None:
        raise InvalidActorDocument(
            f"{actor_id} is a {types or 'document without type'}, not an actor"
        )
    host = authority_of(actor_id) or ""  # never empty: _required_uri checked it
    if fetched_from is not None and authority_of(fetched_from) != host:
        raise InvalidActorDocument(
            f"{fetched_from} served a document for {actor_id}: an actor must come from its own host"
        )
    inbox = _required_uri(document.get("inbox"), "inbox")
    endpoints = document.get("endpoints")
    shared_inbox = (
        _optional_uri(endpoints.get("sharedInbox")) if isinstance(endpoints, Mapping) else None
    )
    return ParsedActor(
        uri=actor_id,
        host=host,
        actor_type=actor_type,
        preferred_username=_text(document.get("preferredUsername"), 255),
        name=_text(document.get("name"), 500),
        inbox=inbox,
        shared_inbox=shared_inbox,
        outbox=_optional_uri(document.get("outbox")),
        url=_link(document.get("url")),
        keys=(*_public_keys(document, actor_id, host), *_multikeys(document, actor_id, host)),
        document=dict(document),
    )


def _same_key(resolved: ResolvedKey, owner: str, public_key_pem: str) -> bool:
    key = resolved.key
    return (
        resolved.owner == owner
        and isinstance(key, PublicKey)
        and key.to_pem().strip() == public_key_pem.strip()
    )


def _looks_like_actor(document: Mapping[str, Any]) -> bool:
    return any(t in ACTOR_TYPES for t in _types(document)) and "inbox" in document


async def store_actor(session: AsyncSession, actor: ParsedActor, *, now: datetime) -> RemoteActor:
    """Insert or update the actor and replace its keys (flushes; the caller commits)."""
    row = await session.scalar(select(RemoteActor).where(RemoteActor.uri == actor.uri))
    if row is None:
        row = RemoteActor(uri=actor.uri)
        session.add(row)
    row.host = actor.host
    row.actor_type = actor.actor_type
    row.preferred_username = actor.preferred_username
    row.name = actor.name
    row.inbox = actor.inbox
    row.shared_inbox = actor.shared_inbox
    row.url = actor.url
    row.document = actor.document
    row.fetched_at = now
    await session.flush()
    wanted = {key.key_id: key for key in actor.keys}
    await session.execute(
        delete(RemoteKey).where(
            RemoteKey.actor_id == row.id, RemoteKey.key_id.not_in(list(wanted) or [""])
        )
    )
    existing: dict[str, RemoteKey] = {}
    if wanted:
        query = select(RemoteKey).where(RemoteKey.key_id.in_(list(wanted)))
        existing = {key.key_id: key for key in await session.scalars(query)}
    for key_id, key in wanted.items():
        stored = existing.get(key_id)
        if stored is None:
            stored = RemoteKey(key_id=key_id)
            session.add(stored)
        stored.actor_id = row.id
        stored.owner = key.owner
        stored.public_key_pem = key.public_key_pem
        stored.fetched_at = now
    await session.flush()
    return row


class RemoteActors:
    """Fetches, stores and caches remote actors and keys; ``resolve_key`` is a
    ``federation.httpsig.KeyResolver``.

    Fetches are signed GETs when ``signer`` is given: it is called per fetch for the
    ``httpx.Auth`` to use (so a rotated instance key is picked up), or None to fetch unsigned.

    One per instance and event loop. Parsed keys are kept in memory (at most
    ``max_cached_keys``), so a known sender costs no database query and no PEM parsing.
    A key id whose fetch failed is not fetched again from that host for ``failure_cooldown``:
    anyone can send requests naming key ids on any host, and we must not be the tool that
    floods it.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        client: SafeClient,
        policy: FederationPolicy,
        clock: Clock,
        signer: Callable[[], httpx.Auth | None] | None = None,
        limiter: RefetchLimiter | None = None,
        failure_cooldown: timedelta = timedelta(seconds=60),
        max_cached_keys: int = 10_000,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._policy = policy
        self._clock = clock
        self._signer = signer
        self._limiter = limiter or RefetchLimiter()
        self._failure_cooldown = failure_cooldown
        self._failed_hosts: OrderedDict[str, datetime] = OrderedDict()
        self._max_cached_keys = max_cached_keys
        self._keys: OrderedDict[str, ResolvedKey] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[ParsedActor]] = {}

    @property
    def client(self) -> SafeClient:
        return self._client

    # --- keys --------------------------------------------------------------------------

    async def resolve_key(self, key_id: str, *, refresh: bool) -> ResolvedKey | None:
        """The key and its owner; fetched when unknown, re-fetched on ``refresh`` when the
        host's refresh budget allows (else the cached answer, the very same object).

        Raises ``KeyUnavailable`` when the key is unknown and cannot be fetched.
        """
        cached = self._keys.get(key_id)
        if cached is None:
            cached = await self._from_database(key_id)
        elif refresh:
            # Another process of this instance may have fetched a rotated key already.
            stored = await self._from_database(key_id, previous=cached)
            if stored is not cached:
                return stored
        if cached is not None and not refresh:
            self._keys.move_to_end(key_id)
            return cached
        if cached is not None:
            host = RefetchLimiter.host_of(key_id)
            if not self._limiter.allow(host, self._clock.now()):
                return cached
            try:
                return self._remember(key_id, await self._fetch_key(key_id), previous=cached)
            except KeyUnavailable as error:
                log.info("refreshing %s failed, keeping the cached key: %s", key_id, error)
                return cached
        return self._remember(key_id, await self._fetch_key(key_id), previous=None)

    def forget(self, key_id: str) -> None:
        """Drop a key from memory (the database copy stays)."""
        self._keys.pop(key_id, None)

    def _remember(
        self, key_id: str, key: ParsedKey, *, previous: ResolvedKey | None
    ) -> ResolvedKey:
        """Keep ``key`` in memory; ``previous`` itself if ``key`` is the same key."""
        if previous is not None and _same_key(previous, key.owner, key.public_key_pem):
            return previous  # unchanged: verify_request need not try it again
        resolved = ResolvedKey(PublicKey.from_pem(key.public_key_pem), key.owner)
        self._keys[key_id] = resolved
        self._keys.move_to_end(key_id)
        while len(self._keys) > self._max_cached_keys:
            self._keys.popitem(last=False)
        return resolved

    async def _from_database(
        self, key_id: str, *, previous: ResolvedKey | None = None
    ) -> ResolvedKey | None:
        """The stored key (kept in memory), ``previous`` if it is the same key, or None."""
        async with self._sessions() as db:
            row = await db.scalar(select(RemoteKey).where(RemoteKey.key_id == key_id))
        if row is None:
            return previous
        if previous is not None and _same_key(previous, row.owner, row.public_key_pem):
            return previous
        try:
            parsed = ParsedKey(key_id, row.owner, row.public_key_pem, "database")
            return self._remember(key_id, parsed, previous=None)
        except ValueError:
            return previous

    async def _fetch_key(self, key_id: str) -> ParsedKey:
        host = authority_of(key_id)
        if host is None:
            raise KeyUnavailable(f"the key id {key_id!r} is not an http(s) URL")
        now = self._clock.now()
        failed_at = self._failed_hosts.get(host)
        if failed_at is not None and now - failed_at < self._failure_cooldown:
            raise KeyUnavailable(
                f"not fetching {key_id}: a fetch from {host} failed "
                f"{(now - failed_at).total_seconds():.0f}s ago"
            )
        try:
            actor = await self._fetch_actor_for_key(key_id)
        except KeyUnavailable:
            self._note_failure(host, now)
            raise
        key = actor.key(key_id)
        if key is None:
            self._note_failure(host, now)
            raise KeyUnavailable(f"{actor.uri} does not list the key {key_id}")
        self._failed_hosts.pop(host, None)
        return key

    def _note_failure(self, host: str, now: datetime) -> None:
        self._failed_hosts[host] = now
        self._failed_hosts.move_to_end(host)
        while len(self._failed_hosts) > 10_000:
            self._failed_hosts.popitem(last=False)

    async def _fetch_actor_for_key(self, key_id: str) -> ParsedActor:
        """The actor that owns ``key_id``: the document at the key's URL is either the actor
        (Mastodon: ``…/users/alice#main-key``) or a key object naming its owner."""
        url = _without_fragment(key_id)
        document, final_url = await self._get(url)
        if _looks_like_actor(document):
            return await self._accept_actor(document, final_url)
        owner, pem = document.get("owner"), document.get("publicKeyPem")
        if document.get("id") != key_id or not isinstance(owner, str) or not isinstance(pem, str):
            raise KeyUnavailable(f"{url} is neither an actor nor a key object for {key_id}")
        if authority_of(owner) != authority_of(key_id):
            raise KeyUnavailable(f"the key {key_id} names an owner on another host: {owner}")
        return await self.fetch_actor(owner)

    async def fetch_actor(self, uri: str) -> ParsedActor:
        """GET, parse and store the actor ``uri`` (one fetch at a time per URI)."""
        uri = _without_fragment(uri)
        running = self._inflight.get(uri)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[ParsedActor] = asyncio.get_running_loop().create_future()
        self._inflight[uri] = future
        try:
            document, final_url = await self._get(uri)
            actor = await self._accept_actor(document, final_url)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # mark it retrieved: only waiters (if any) re-raise it
            raise
        else:
            future.set_result(actor)
            return actor
        finally:
            del self._inflight[uri]

    async def _accept_actor(self, document: dict[str, Any], final_url: str) -> ParsedActor:
        try:
            actor = as_to_remote_actor(document, fetched_from=final_url)
        except InvalidActorDocument as error:
            raise KeyUnavailable(str(error)) from error
        await self._store(actor)
        return actor

    async def _get(self, url: str) -> tuple[dict[str, Any], str]:
        if self._policy.due():
            async with self._sessions() as db:
                await self._policy.ensure_fresh(db)
        try:
            auth = self._signer() if self._signer is not None else None
            result = await self._client.fetch_object(url, auth=auth)
        except SafeClientError as error:
            raise KeyUnavailable(f"fetching {url} failed: {error.message}", cause=error) from error
        if result.document is None:  # fetch_object always parses; keeps the types honest
            raise KeyUnavailable(f"{url} returned no document")
        return result.document, result.url

    async def _store(self, actor: ParsedActor) -> None:
        now = self._clock.now()
        for attempt in (1, 2):
            async with self._sessions() as db:
                try:
                    await store_actor(db, actor, now=now)
                    await db.commit()
                    return
                except IntegrityError:
                    # Another process stored the same actor or key meanwhile: update it.
                    await db.rollback()
                    if attempt == 2:
                        raise
