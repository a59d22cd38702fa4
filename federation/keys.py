"""Actor key pairs: RSA-2048 (``publicKey``, for Mastodon-era peers) and Ed25519
(FEP-521a ``assertionMethod`` Multikey, for object proofs).

Keys are stored in the database so every web and worker process of an instance shares them;
callers load them once per process into a :class:`KeyRing` and never parse PEM per request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import Enum, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, UTCDateTime

INSTANCE_ACTOR = "instance"


class KeyType(enum.StrEnum):
    RSA = "rsa-2048"
    ED25519 = "ed25519"


class ActorKey(Base):
    __tablename__ = "actor_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)  # "instance" or "member:<id>"
    key_type: Mapped[KeyType] = mapped_column(
        Enum(KeyType, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _generate(key_type: KeyType) -> tuple[str, str]:
    private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    if key_type is KeyType.RSA:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


async def current(session: AsyncSession, actor: str) -> dict[KeyType, ActorKey]:
    rows = await session.scalars(
        select(ActorKey).where(ActorKey.actor == actor, ActorKey.retired_at.is_(None))
    )
    return {row.key_type: row for row in rows}


async def ensure_keys(session: AsyncSession, actor: str, *, now: datetime) -> bool:
    """Make any missing key pair for ``actor``; True when something was created."""
    have = await current(session, actor)
    created = False
    for key_type in KeyType:
        if key_type not in have:
            private_pem, public_pem = _generate(key_type)
            session.add(
                ActorKey(
                    actor=actor,
                    key_type=key_type,
                    private_pem=private_pem,
                    public_pem=public_pem,
                    created_at=now,
                )
            )
            created = True
    await session.flush()
    return created


async def rotate(session: AsyncSession, actor: str, *, now: datetime) -> None:
    """Retire the actor's keys and make new ones."""
    for row in (await current(session, actor)).values():
        row.retired_at = now
    await session.flush()
    await ensure_keys(session, actor, now=now)


@dataclass(frozen=True)
class LoadedKey:
    key_type: KeyType
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    public_pem: str


class KeyRing:
    """Parsed private keys of this instance's actors, loaded once per process."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, KeyType], LoadedKey] = {}

    async def load(self, session: AsyncSession, actor: str = INSTANCE_ACTOR) -> None:
        for key_type, row in (await current(session, actor)).items():
            # Our own keys, made by _generate: skip the costly RSA consistency checks (they
            # guard against hostile or broken keys, which these are not).
            private = serialization.load_pem_private_key(
                row.private_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
            )
            if not isinstance(private, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
                raise TypeError(f"unexpected key type stored for {actor}")
            self._keys[(actor, key_type)] = LoadedKey(key_type, private, row.public_pem)

    def get(self, actor: str, key_type: KeyType) -> LoadedKey | None:
        return self._keys.get((actor, key_type))

    def __len__(self) -> int:
        return len(self._keys)
