"""Sending one claimed delivery: sign, POST through the safe client, classify the answer.

Signing: RFC 9421 first, cavage on a 401/400 (``DoubleKnockAuth``), starting with the scheme
the host accepted last time (``delivery_hosts.signature_scheme``); the scheme that worked is
reported back so the queue remembers it. Signatures are made off the event loop
(``OffLoopAuth``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import datetime
from typing import Final

import httpx

from federation.delivery.claim import Claimed
from federation.delivery.model import SignatureScheme
from federation.delivery.outcome import Attempt, Kind
from federation.delivery.schedule import is_retryable_status, parse_retry_after
from federation.httpsig import DoubleKnockAuth, PrivateKey, SchemePreferences
from federation.net import (
    BlockedHost,
    ForbiddenAddress,
    ForbiddenURL,
    SafeClient,
    SafeClientError,
    TooManyRedirects,
)

__all__ = ["ACTIVITY_CONTENT_TYPE", "OffLoopAuth", "send"]

ACTIVITY_CONTENT_TYPE: Final = "application/activity+json"
_HEADERS: Final = {"Content-Type": ACTIVITY_CONTENT_TYPE, "Accept": "*/*"}
_ERROR_EXCERPT: Final = 300
_RESIGN_STATUSES: Final = frozenset({400, 401})  # DoubleKnockAuth's second knock


def _step(
    flow: Generator[httpx.Request, httpx.Response, None], response: httpx.Response | None
) -> httpx.Request | None:
    try:
        return flow.send(response)  # type: ignore[arg-type]  # the first send is None
    except StopIteration:
        return None


class OffLoopAuth(httpx.Auth):
    """Runs another auth's steps (here: RSA signing) in a worker thread.

    OpenSSL releases the GIL while it signs, so a fan-out signs on other cores while the
    event loop goes on sending; the loop itself never blocks on a signature.
    """

    requires_request_body = True

    def __init__(self, inner: httpx.Auth) -> None:
        self.inner = inner

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        flow = self.inner.sync_auth_flow(request)
        step = await asyncio.to_thread(_step, flow, None)
        while step is not None:
            response = yield step
            if self.inner.requires_response_body:
                await response.aread()
            if response.status_code in _RESIGN_STATUSES:  # the inner auth may sign again
                step = await asyncio.to_thread(_step, flow, response)
            else:  # nothing to sign: finish the flow here rather than hop to a thread
                step = _step(flow, response)


def _excerpt(content: bytes) -> str:
    text = content[:_ERROR_EXCERPT].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


async def send(
    client: SafeClient,
    delivery: Claimed,
    body: bytes,
    *,
    key: PrivateKey,
    key_id: str,
    preferences: SchemePreferences,
    clock: Callable[[], datetime],
) -> Attempt:
    """POST ``body`` to the delivery's inbox, signed with ``key``; never raises for network
    trouble or refusals (they are outcomes)."""
    auth = OffLoopAuth(DoubleKnockAuth(key, key_id, preferences, clock=clock))
    try:
        result = await client.request(
            "POST", delivery.inbox_url, headers=_HEADERS, content=body, auth=auth
        )
    except (BlockedHost, ForbiddenAddress, ForbiddenURL) as exc:
        return Attempt(delivery, Kind.FINAL, error=exc.message, refused_locally=True)
    except TooManyRedirects as exc:
        return Attempt(delivery, Kind.FINAL, error=exc.message, host_answered=True)
    except SafeClientError as exc:
        return Attempt(delivery, Kind.RETRY, error=exc.message)
    status = result.status
    if 200 <= status < 300:
        learnt = preferences.get(delivery.host)
        scheme = SignatureScheme(learnt) if learnt is not None else None
        return Attempt(delivery, Kind.DELIVERED, status=status, scheme=scheme, host_answered=True)
    error = f"HTTP {status}{_excerpt(result.content)}"
    if status == 410:
        return Attempt(delivery, Kind.GONE, status=status, error=error, host_answered=True)
    if is_retryable_status(status):
        wait = parse_retry_after(result.headers.get("retry-after"), clock())
        return Attempt(
            delivery,
            Kind.RETRY,
            status=status,
            error=error,
            retry_after_seconds=wait.total_seconds() if wait is not None else None,
            host_answered=True,
        )
    return Attempt(delivery, Kind.FINAL, status=status, error=error, host_answered=True)
