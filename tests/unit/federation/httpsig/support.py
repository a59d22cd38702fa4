"""Shared helpers for the httpsig tests: a key resolver double and signed requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from federation.httpsig import (
    PrivateKey,
    ResolvedKey,
    Scheme,
    SignatureCheck,
    VerificationKey,
    sign_httpx_request,
    verify_request,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
ACTOR = "https://coop.example/actors/acme"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://peer.example/inbox"
ACTIVITY = b'{"type": "Create", "actor": "https://coop.example/actors/acme"}'


@dataclass
class KeyRing:
    """A key resolver double: answers from `keys`, or from `rotated` when refreshing."""

    keys: dict[str, ResolvedKey] = field(default_factory=dict)
    rotated: dict[str, ResolvedKey] = field(default_factory=dict)
    calls: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, key_id: str, key: VerificationKey, owner: str = ACTOR) -> KeyRing:
        self.keys[key_id] = ResolvedKey(key, owner)
        return self

    async def __call__(self, key_id: str, *, refresh: bool) -> ResolvedKey | None:
        self.calls.append((key_id, refresh))
        if refresh and key_id in self.rotated:
            return self.rotated[key_id]
        return self.keys.get(key_id)


def signed_request(
    key: PrivateKey,
    *,
    scheme: Scheme = "rfc9421",
    method: str = "POST",
    url: str = INBOX,
    body: bytes = ACTIVITY,
    at: datetime = NOW,
    key_id: str = KEY_ID,
    cavage_algorithm: str | None = None,
) -> httpx.Request:
    """A request signed the way `SigningAuth` signs, at time `at`."""
    request = httpx.Request(method, url, content=body if method != "GET" else None)
    sign_httpx_request(
        request, key, key_id, scheme=scheme, now=at, cavage_algorithm=cavage_algorithm
    )
    return request


async def check(
    request: httpx.Request, resolver: KeyRing, *, now: datetime = NOW, body: bytes | None = None
) -> SignatureCheck:
    """Run the inbox policy on an httpx request (optionally with a different body)."""
    return await verify_request(
        request.method,
        str(request.url),
        request.headers,
        request.content if body is None else body,
        resolve_key=resolver,
        now=now,
    )
