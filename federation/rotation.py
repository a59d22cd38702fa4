"""Key rotation: new keys for a local actor, and the actor ``Update`` that announces them.

``rotate(...)`` runs in the caller's transaction: it retires the actor's current keys (they
stay in ``actor_keys`` with ``retired_at`` set, so what was signed with them can still be
checked here), makes new ones, builds an ``Update`` whose ``object`` is the actor document
with the new keys, and publishes it through the transactional outbox
(``federation.delivery.outbox``) to the actor's accepted followers. Commit, and the new keys
and the queued deliveries happen together or not at all.

Running servers follow without a restart: ``federation.actor.ActorKeyCache`` notices the new
key rows at the next request for that actor and reloads the process's ``KeyRing``.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import keys
from federation.actor import (
    ActorKeyCache,
    LocalActor,
    LocalUrls,
    document_for,
    iso_time,
)
from federation.context import AS_PUBLIC, actor_context
from federation.delivery import outbox
from federation.keys import ActorKey, KeyType
from federation.models import OutboxActivity

__all__ = ["KeyInfo", "Rotation", "actor_update", "describe", "fingerprint", "rotate"]


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: the actor, the rows retired and made, and the queued Update."""

    actor: LocalActor
    retired_key_ids: tuple[int, ...]
    new_key_ids: tuple[int, ...]
    activity: OutboxActivity


def actor_update(
    urls: LocalUrls, name: str, document: dict[str, Any], *, now: datetime, uid: str
) -> dict[str, Any]:
    """An ``Update`` of actor ``name`` carrying its whole new document, addressed to the
    public and the actor's followers (Mastodon refreshes a cached actor, keys included, on
    such an Update)."""
    embedded = {key: value for key, value in document.items() if key != "@context"}
    return {
        "@context": actor_context(urls.base_url),
        "id": urls.activity(uid),
        "type": "Update",
        "actor": urls.actor(name),
        "object": embedded,
        "to": [AS_PUBLIC],
        "cc": [urls.followers(name)],
        "published": iso_time(now),
    }


async def rotate(
    session: AsyncSession, urls: LocalUrls, actor: LocalActor, *, now: datetime
) -> Rotation:
    """Retire ``actor``'s keys, make new ones and queue the ``Update``; the caller commits.

    ``actor`` comes from ``federation.actor.lookup`` (the co-op, or an admitted member).
    """
    before = await keys.current(session, actor.key_owner)
    await keys.rotate(session, actor.key_owner, now=now)
    after = await keys.current(session, actor.key_owner)
    # A cache of its own: the new keys are not committed yet, and no other cache should see
    # them before they are.
    built = await document_for(session, ActorKeyCache(), urls, actor, now=now)
    uid = str(uuid.uuid4())
    payload = actor_update(urls, actor.name, built.document, now=now, uid=uid)
    activity = await outbox.publish(
        session,
        actor=actor.key_owner,
        activity=payload,
        inboxes=await outbox.followers_inboxes(session, actor.name),
        now=now,
    )
    return Rotation(
        actor=actor,
        retired_key_ids=tuple(sorted(row.id for row in before.values())),
        new_key_ids=tuple(sorted(row.id for row in after.values())),
        activity=activity,
    )


# --- showing keys ----------------------------------------------------------------------------


def fingerprint(public_pem: str) -> str:
    """``SHA256:`` and the unpadded base64 of the SHA-256 of the key's DER
    SubjectPublicKeyInfo (the form ``ssh-keygen -l`` prints)."""
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class KeyInfo:
    """One stored key of a local actor, as ``coopfed keys show`` prints it."""

    key_id: str  # the id it is (or was) published under
    key_type: KeyType
    fingerprint: str
    created_at: datetime
    retired_at: datetime | None


async def describe(session: AsyncSession, urls: LocalUrls, actor: LocalActor) -> list[KeyInfo]:
    """Every key ``actor`` has had: current ones first, then retired ones, newest first."""
    rows = (
        await session.scalars(
            select(ActorKey)
            .where(ActorKey.actor == actor.key_owner)
            .order_by(ActorKey.retired_at.is_not(None), ActorKey.id.desc())
        )
    ).all()
    ids = {KeyType.RSA: urls.main_key(actor.name), KeyType.ED25519: urls.ed25519_key(actor.name)}
    return [
        KeyInfo(
            key_id=ids[row.key_type],
            key_type=row.key_type,
            fingerprint=fingerprint(row.public_pem),
            created_at=row.created_at,
            retired_at=row.retired_at,
        )
        for row in rows
    ]
