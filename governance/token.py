"""One-time secrets (setup, invitation, password-reset links; session and API tokens).

Only a SHA-256 digest of a secret is ever stored, so a copy of the database does not hand out
working links or sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(nbytes: int = 32) -> str:
    """A fresh URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """The stored form of a secret: hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented secret with a stored digest."""
    return hmac.compare_digest(digest(secret), stored_digest)
