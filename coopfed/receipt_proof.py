"""A receipt's inclusion proof as the API and the web page show it, with the server's checks.

The proof itself comes from :func:`governance.ballot.inclusion.prove_receipt`; here it is
recomputed (leaf hash, audit path to the root) and, after close, the signed head's Ed25519
signature is verified with the key that signed it, which the instance publishes in its actor
document (FEP-521a ``assertionMethod``).
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature

from federation.multikey import MultikeyError, ed25519_from_multibase
from governance.ballot import head as ballot_head
from governance.ballot.inclusion import ReceiptProof


def head_signature_ok(head: ballot_head.BallotLogHead) -> bool:
    """Whether the head's signature verifies with the key it names."""
    if not head.signature or not head.public_key_multibase:
        return False
    try:
        public = ed25519_from_multibase(head.public_key_multibase)
        public.verify(
            ballot_head.b64url_decode(head.signature), ballot_head.signed_bytes(head.head())
        )
    except (InvalidSignature, MultikeyError, ValueError):
        return False
    return True


def proof_to_json(proof: ReceiptProof) -> dict[str, Any]:
    """The proof, the server's verdict on it and the signed head (``None`` before close)."""
    head = proof.head
    return {
        "leaf_index": proof.leaf_index,
        "leaf": proof.leaf,
        "leaf_hash": proof.leaf_hash,
        "tree_size": proof.tree_size,
        "root": proof.root,
        "audit_path": list(proof.path),
        "counted": proof.counted,
        "proof_verified": proof.check(),
        "signed_head": None
        if head is None or not head.signature
        else {
            **head.head(),
            "signature": head.signature,
            "key_id": head.key_id,
            "public_key_multibase": head.public_key_multibase,
        },
        "signature_verified": None if head is None else head_signature_ok(head),
    }
