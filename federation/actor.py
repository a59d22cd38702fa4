"""This instance's actors and their ActivityPub documents.

The co-op is an ``Organization`` named ``coop``; each admitted member is a ``Person`` named by
their username. ``LocalUrls`` is the one place the URL layout is spelled out:

    {base}/actors/{name}                      the actor (AS2 JSON, or the HTML profile)
    {base}/actors/{name}/inbox|outbox|followers|following
    {base}/actors/{name}#main-key             RSA-2048 ``publicKey`` (HTTP signatures)
    {base}/actors/{name}#ed25519-key          Ed25519 ``assertionMethod`` Multikey (FEP-521a)
    {base}/inbox                              the shared inbox
    {base}/activities/{uuid}                  activities this instance publishes
    {base}/ns/coopfed                         coopfed's JSON-LD context

Keys: the co-op signs with the instance keys (``federation.keys.INSTANCE_ACTOR``), a member
with ``member:<id>``'s, made the first time that member's actor is asked for.
``ActorKeyCache`` keeps the public halves ready to publish, so building a document never
parses a PEM; it notices a rotation made by another process (``coopfed keys rotate``) at the
next request and then reloads the private keys of a ``KeyRing`` too. Signers should take their
key from ``ActorKeyCache.signing_key`` so that they follow a rotation without a restart.

Converters are named by direction (``organization_to_as``, ``member_to_as``) and are pure;
``lookup`` and ``document_for`` are the database-facing adapters the web routes use.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import keys
from federation.context import ACTIVITYSTREAMS, CONTEXT_PATH, actor_context
from federation.keys import ActorKey, KeyRing, KeyType, LoadedKey
from federation.multikey import ed25519_multibase, multikey
from governance import instance as instances
from governance import markdown
from governance.instance import Instance
from governance.member import USERNAME_RE, Member, Status

__all__ = [
    "AS2_MEDIA_TYPE",
    "COOP_NAME",
    "LD_AS2_MEDIA_TYPE",
    "ActorDocument",
    "ActorKeyCache",
    "Found",
    "LocalActor",
    "LocalUrls",
    "PublishedKeys",
    "document_for",
    "iso_time",
    "lookup",
    "member_key_owner",
    "member_to_as",
    "negotiate",
    "ordered_collection",
    "ordered_collection_page",
    "organization_to_as",
]

COOP_NAME: Final = "coop"
AS2_MEDIA_TYPE: Final = "application/activity+json"
LD_AS2_MEDIA_TYPE: Final = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def member_key_owner(member_id: int) -> str:
    """The ``ActorKey.actor`` name of a member's keys."""
    return f"member:{member_id}"


def iso_time(when: datetime) -> str:
    """``2026-11-25T12:00:00Z``: the form ActivityPub servers parse most reliably."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LocalUrls:
    """The URLs of this instance's federation documents; ``base_url`` has no trailing slash."""

    base_url: str

    @classmethod
    def of(cls, base_url: str) -> LocalUrls:
        return cls(base_url.rstrip("/"))

    @property
    def domain(self) -> str:
        """Host and port, lower-case: the part after ``@`` in ``acct:coop@domain``."""
        return urlsplit(self.base_url).netloc.lower()

    def actor(self, name: str) -> str:
        return f"{self.base_url}/actors/{name}"

    def profile(self, name: str) -> str:
        # The same URL: browsers get the HTML profile by content negotiation.
        return self.actor(name)

    def inbox(self, name: str) -> str:
        return f"{self.actor(name)}/inbox"

    def outbox(self, name: str) -> str:
        return f"{self.actor(name)}/outbox"

    def followers(self, name: str) -> str:
        return f"{self.actor(name)}/followers"

    def following(self, name: str) -> str:
        return f"{self.actor(name)}/following"

    def main_key(self, name: str) -> str:
        return f"{self.actor(name)}#main-key"

    def ed25519_key(self, name: str) -> str:
        return f"{self.actor(name)}#ed25519-key"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    @property
    def context(self) -> str:
        return self.base_url + CONTEXT_PATH

    def activity(self, uid: str) -> str:
        return f"{self.base_url}/activities/{uid}"

    def acct(self, name: str) -> str:
        return f"acct:{name}@{self.domain}"

    def actor_name(self, url: str) -> str | None:
        """The actor name in one of our actor URLs (a key id's fragment is ignored), else None."""
        prefix = f"{self.base_url}/actors/"
        url = url.split("#", 1)[0]
        if not url.startswith(prefix):
            return None
        name = url[len(prefix) :]
        return name if USERNAME_RE.match(name) else None


@dataclass(frozen=True)
class PublishedKeys:
    """What an actor document publishes of the actor's current keys."""

    rsa_public_pem: str
    ed25519_multibase: str
    row_ids: frozenset[int]  # the ActorKey rows these come from, to notice a rotation


def _document(
    urls: LocalUrls,
    name: str,
    *,
    actor_type: str,
    display_name: str,
    summary_html: str,
    published: datetime | None,
    published_keys: PublishedKeys,
    discoverable: bool,
    manually_approves: bool = False,
) -> dict[str, Any]:
    actor_id = urls.actor(name)
    document: dict[str, Any] = {
        "@context": actor_context(urls.base_url),
        "id": actor_id,
        "type": actor_type,
        "preferredUsername": name,
        "name": display_name,
        "summary": summary_html,
        "url": urls.profile(name),
        "inbox": urls.inbox(name),
        "outbox": urls.outbox(name),
        "followers": urls.followers(name),
        "following": urls.following(name),
        "endpoints": {"sharedInbox": urls.shared_inbox},
        # True when follow requests wait for an admin (auto-accept off).
        "manuallyApprovesFollowers": manually_approves,
        "discoverable": discoverable,
        "publicKey": {
            "id": urls.main_key(name),
            "owner": actor_id,
            "publicKeyPem": published_keys.rsa_public_pem,
        },
        "assertionMethod": [
            multikey(urls.ed25519_key(name), actor_id, published_keys.ed25519_multibase)
        ],
    }
    if published is not None:
        document["published"] = iso_time(published)
    return document


def organization_to_as(
    inst: Instance | None,
    published_keys: PublishedKeys,
    urls: LocalUrls,
    *,
    manually_approves: bool = False,
) -> dict[str, Any]:
    """The co-op's ``Organization`` actor. Before setup it is named after the domain;
    ``manually_approves`` when an admin decides on follow requests."""
    name = inst.name if inst is not None and inst.name else urls.domain
    description = inst.description if inst is not None else ""
    return _document(
        urls,
        COOP_NAME,
        actor_type="Organization",
        display_name=name,
        summary_html=markdown.render(description) if description.strip() else "",
        published=inst.created_at if inst is not None else None,
        published_keys=published_keys,
        discoverable=True,  # the co-op wants to be found by other co-ops
        manually_approves=manually_approves,
    )


def member_to_as(member: Member, published_keys: PublishedKeys, urls: LocalUrls) -> dict[str, Any]:
    """An admitted member's ``Person`` actor. Members are not listed in directories
    (``discoverable: false``) unless a later setting lets them choose."""
    return _document(
        urls,
        member.username,
        actor_type="Person",
        display_name=member.display_name,
        summary_html="",
        published=member.admitted_at or member.created_at,
        published_keys=published_keys,
        discoverable=False,
    )


def ordered_collection(collection_id: str, *, total_items: int) -> dict[str, Any]:
    """An actor's collection (outbox, followers, following); its items are on pages."""
    return {
        "@context": ACTIVITYSTREAMS,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total_items,
        "first": f"{collection_id}?page=1",
    }


def ordered_collection_page(
    collection_id: str, page: int, items: list[Any], *, has_next: bool = False
) -> dict[str, Any]:
    """Page ``page`` (from 1) of an actor's collection."""
    document: dict[str, Any] = {
        "@context": ACTIVITYSTREAMS,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if page > 1:
        document["prev"] = f"{collection_id}?page={page - 1}"
    if has_next:
        document["next"] = f"{collection_id}?page={page + 1}"
    return document


# --- content negotiation -------------------------------------------------------------------

_AS2_TYPES: Final = frozenset({"application/activity+json", "application/ld+json"})
_JSON_TYPES: Final = frozenset({"application/json"})
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})


def _accept_entries(accept: str) -> Iterable[tuple[str, float]]:
    for part in accept.split(","):
        pieces = part.strip().split(";")
        media = pieces[0].strip().lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        yield media, quality


def negotiate(accept: str | None) -> str | None:
    """The AS2 media type to answer an actor URL with, or None for the HTML profile.

    ``application/activity+json`` and ``application/ld+json`` (with the ActivityStreams
    profile, or any) get AS2, answered with the type asked for; so does plain
    ``application/json`` when it is preferred to HTML. Browsers (``text/html``), wildcards and
    a missing header get HTML. When AS2 and HTML are asked for with the same quality, AS2 wins:
    a client that names an AS2 type at all is a federation client.
    """
    if not accept:
        return None
    best_as2, as2_type = 0.0, AS2_MEDIA_TYPE
    best_json = best_html = 0.0
    for media, quality in _accept_entries(accept):
        if media in _AS2_TYPES:
            if quality > best_as2:
                best_as2 = quality
                as2_type = LD_AS2_MEDIA_TYPE if media == "application/ld+json" else AS2_MEDIA_TYPE
        elif media in _JSON_TYPES:
            best_json = max(best_json, quality)
        elif media in _HTML_TYPES:
            best_html = max(best_html, quality)
    if best_as2 > 0 and best_as2 >= best_html:
        return as2_type
    if best_json > best_html:
        return AS2_MEDIA_TYPE
    return None


# --- keys ready to publish -----------------------------------------------------------------


def _ed25519_multibase_of(public_pem: str) -> str:
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise TypeError("an ed25519 ActorKey row holds another kind of key")
    return ed25519_multibase(key)


class ActorKeyCache:
    """Published keys of local actors, parsed once per process (one per app, never global).

    ``get`` costs one indexed query for the ids of the actor's current key rows; only when
    they differ from the cached ones (first use, or a rotation by any process) are the public
    keys read and converted again, and, if ``keyring`` holds that actor's private keys, those
    are reloaded too so that this process signs with the keys it publishes.
    """

    def __init__(self, keyring: KeyRing | None = None) -> None:
        self._keyring = keyring
        self._published: dict[str, PublishedKeys] = {}

    async def get(self, session: AsyncSession, owner: str) -> PublishedKeys | None:
        """The current keys of ``owner`` ("instance", "member:7"), or None if it lacks one."""
        rows = (
            await session.execute(
                select(ActorKey.id, ActorKey.key_type).where(
                    ActorKey.actor == owner, ActorKey.retired_at.is_(None)
                )
            )
        ).all()
        ids = frozenset(row.id for row in rows)
        cached = self._published.get(owner)
        if cached is not None and cached.row_ids == ids:
            return cached
        current = await keys.current(session, owner)
        rsa_row, ed_row = current.get(KeyType.RSA), current.get(KeyType.ED25519)
        if rsa_row is None or ed_row is None:
            return None
        fresh = PublishedKeys(
            rsa_public_pem=rsa_row.public_pem,
            ed25519_multibase=_ed25519_multibase_of(ed_row.public_pem),
            row_ids=frozenset({rsa_row.id, ed_row.id}),
        )
        self._published[owner] = fresh
        await self._follow_rotation(session, owner, current)
        return fresh

    async def _follow_rotation(
        self, session: AsyncSession, owner: str, current: dict[KeyType, ActorKey]
    ) -> None:
        # Reload the private keys of an actor this process signs for when they are not the
        # ones now published (a rotation since they were loaded).
        keyring = self._keyring
        if keyring is None:
            return
        loaded = [keyring.get(owner, key_type) for key_type in current]
        if not any(loaded):
            return  # this process does not sign for that actor
        if any(key is None or key.public_pem != current[key.key_type].public_pem for key in loaded):
            await keyring.load(session, owner)

    async def signing_key(
        self, session: AsyncSession, owner: str, key_type: KeyType = KeyType.RSA
    ) -> LoadedKey:
        """The private key ``owner`` signs with now: the keyring's, reloaded first if a
        rotation happened since it was loaded (or loaded, the first time it is needed).

        Raises ``LookupError`` when the actor has no keys, ``RuntimeError`` without a keyring.
        """
        keyring = self._keyring
        if keyring is None:
            raise RuntimeError("this ActorKeyCache has no KeyRing to sign with")
        if await self.get(session, owner) is None:
            raise LookupError(f"{owner} has no keys")
        loaded = keyring.get(owner, key_type)
        if loaded is None:
            await keyring.load(session, owner)
            loaded = keyring.get(owner, key_type)
        if loaded is None:  # pragma: no cover - get() found both keys
            raise LookupError(f"{owner} has no {key_type.value} key")
        return loaded

    def forget(self, owner: str) -> None:
        """Drop what is cached for ``owner`` (the next ``get`` reads it again)."""
        self._published.pop(owner, None)


# --- finding local actors ------------------------------------------------------------------


class Found(enum.Enum):
    """What ``lookup`` found under a name."""

    ACTOR = "actor"
    GONE = "gone"  # a member who left: 410 Gone
    MISSING = "missing"  # no such actor (or not one that federates): 404


@dataclass(frozen=True)
class LocalActor:
    """A local actor found by name: the co-op (``member`` None) or an admitted member."""

    name: str
    key_owner: str
    instance: Instance | None = None
    member: Member | None = None

    @property
    def is_coop(self) -> bool:
        return self.member is None


async def lookup(session: AsyncSession, name: str) -> tuple[Found, LocalActor | None]:
    """The actor called ``name``. Only admitted members are actors; those who left are gone;
    invited, applicant and suspended members do not exist for the federation."""
    if name == COOP_NAME:
        inst = await instances.get(session)
        return Found.ACTOR, LocalActor(COOP_NAME, keys.INSTANCE_ACTOR, instance=inst)
    if not USERNAME_RE.match(name):
        return Found.MISSING, None
    member = await session.scalar(select(Member).where(Member.username == name))
    if member is None:
        return Found.MISSING, None
    if member.status is Status.LEFT:
        return Found.GONE, None
    if member.status is not Status.MEMBER:
        return Found.MISSING, None
    return Found.ACTOR, LocalActor(name, member_key_owner(member.id), member=member)


async def _keys_for(
    session: AsyncSession, cache: ActorKeyCache, actor: LocalActor, *, now: datetime
) -> tuple[PublishedKeys, bool]:
    found = await cache.get(session, actor.key_owner)
    if found is not None:
        return found, False
    if actor.member is not None:
        # Lock the member's row so that two processes answering the first request for this
        # actor cannot both make keys. (On SQLite every transaction already holds the write
        # lock, and FOR UPDATE is left out.)
        await session.execute(
            select(Member.id).where(Member.id == actor.member.id).with_for_update()
        )
    created = await keys.ensure_keys(session, actor.key_owner, now=now)
    found = await cache.get(session, actor.key_owner)
    if found is None:  # pragma: no cover - ensure_keys just made them
        raise RuntimeError(f"no keys for {actor.key_owner} after making them")
    return found, created


@dataclass(frozen=True)
class ActorDocument:
    document: dict[str, Any]
    keys_created: bool  # the caller must commit the session


async def document_for(
    session: AsyncSession,
    cache: ActorKeyCache,
    urls: LocalUrls,
    actor: LocalActor,
    *,
    now: datetime,
    manually_approves: bool = False,
) -> ActorDocument:
    """The actor's AS2 document. Makes the actor's keys if it has none yet (a member's, the
    first time their actor is asked for); then ``keys_created`` says to commit.
    ``manually_approves`` is the co-op's: whether follow requests wait for an admin."""
    published_keys, created = await _keys_for(session, cache, actor, now=now)
    if actor.member is not None:
        return ActorDocument(member_to_as(actor.member, published_keys, urls), created)
    document = organization_to_as(
        actor.instance, published_keys, urls, manually_approves=manually_approves
    )
    return ActorDocument(document, created)
