"""Wiring the ledger to the instance: its Ed25519 key signs checkpoints and checks them.

Governance holds no keys: :func:`publish_checkpoint` passes the instance's key as the
``Signer`` port, and :func:`verify` gives the verifier the instance's published keys (current
and retired) and an Ed25519 check.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coopfed.context import AppContext
from coopfed.worker import instance_signer
from federation import keys
from federation.multikey import MultikeyError, ed25519_from_multibase, ed25519_multibase
from governance.ledger import checkpoint, verify
from governance.ledger.model import Checkpoint


def check_ed25519(multibase: str, message: bytes, signature: bytes) -> bool:
    try:
        ed25519_from_multibase(multibase).verify(signature, message)
    except (MultikeyError, InvalidSignature, ValueError):
        return False
    return True


async def instance_keys(db: AsyncSession) -> set[str]:
    """The multibase of every Ed25519 key the instance has had (current and retired)."""
    rows = await db.scalars(
        select(keys.ActorKey).where(
            keys.ActorKey.actor == keys.INSTANCE_ACTOR,
            keys.ActorKey.key_type == keys.KeyType.ED25519,
        )
    )
    found = set()
    for row in rows:
        public = serialization.load_pem_public_key(row.public_pem.encode())
        if isinstance(public, ed25519.Ed25519PublicKey):
            found.add(ed25519_multibase(public))
    return found


async def publish_checkpoint(ctx: AppContext, db: AsyncSession) -> Checkpoint | None:
    """Sign a checkpoint if the log grew since the last one (the caller commits)."""
    signer = await instance_signer(ctx, db)
    return await checkpoint.publish(db, signer, now=ctx.clock.now(), cache=ctx.ledger_tree)


async def verify_books(db: AsyncSession) -> verify.VerifyReport:
    return await verify.verify(
        db, check_signature=check_ed25519, trusted_keys=await instance_keys(db)
    )

