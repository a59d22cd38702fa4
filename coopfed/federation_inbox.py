"""The inbox over HTTP, and the federation services it needs while the app runs.

    POST /inbox                   the shared inbox
    POST /actors/{name}/inbox     an actor's inbox (``coop``, or an admitted member)

Both answer 202 once the activity is stored (a duplicate delivery also gets 202 and stores
nothing), else 400/401/403/404/413/415 with ``{"error": {"code", "message"}}``; the checks
and their order are ``federation.inbound``'s. The body limit is ``inbox_max_bytes``, not the
forms' ``max_form_bytes``: the app's body-limit middleware leaves these paths to us
(``is_inbox_path``), so that a blocked host is refused (403) before its body is even read.

``start(ctx)`` and ``stop(ctx)`` run in the app's lifespan: they load the federation policy
and open the safe HTTP client that fetches remote actors and keys (``ctx.remote``), and the
inbox's group-commit writer (``ctx.inbox_writer``: concurrent POSTs share one insert and one
commit, each answered 202 only once its row is committed).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Final

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.context import AppContext
from coopfed.web.viewer import ctx_of, db_of
from federation import actor as actors
from federation import discovery, inbox
from federation.actor import COOP_NAME, Found, LocalUrls
from federation.httpsig import DoubleKnockAuth, PrivateKey, SchemePreferences
from federation.inbound import InboundCheck, InboundOptions, InboundResult
from federation.inbox_writer import InboxWriter
from federation.keys import INSTANCE_ACTOR, KeyType
from federation.net import create_safe_client
from federation.remote import RemoteActors

__all__ = ["is_inbox_path", "routes", "start", "stop"]

log = logging.getLogger("coopfed.inbox")

SHARED_INBOX_PATH: Final = "/inbox"
_ACTOR_INBOX: Final = re.compile(r"^/actors/[^/]+/inbox/?$")


def is_inbox_path(path: str) -> bool:
    """Whether ``path`` is an inbox (its body limit is ``inbox_max_bytes``)."""
    return path in (SHARED_INBOX_PATH, SHARED_INBOX_PATH + "/") or bool(_ACTOR_INBOX.match(path))


# --- lifespan ------------------------------------------------------------------------------


def instance_signer(ctx: AppContext) -> Callable[[], httpx.Auth | None]:
    """Signs our fetches as the co-op (``…/actors/coop#main-key``, RSA, RFC 9421 first and
    cavage for hosts that want it), with whatever key the keyring holds at that moment."""
    urls = LocalUrls.of(ctx.settings.effective_base_url)
    key_id = urls.main_key(COOP_NAME)
    preferences = SchemePreferences()

    def signer() -> httpx.Auth | None:
        loaded = ctx.keyring.get(INSTANCE_ACTOR, KeyType.RSA)
        if loaded is None:
            return None
        key = PrivateKey(loaded.private_key)
        return DoubleKnockAuth(key, key_id, preferences, clock=ctx.clock.now)

    return signer


async def start(ctx: AppContext) -> None:
    """Load the federation policy and open the remote-actor fetcher on ``ctx.remote``."""
    async with ctx.session() as db:
        await ctx.policy.reload(db)
    settings = ctx.settings
    client = create_safe_client(
        user_agent=discovery.user_agent(settings.effective_base_url, discovery.software_version()),
        allow_list=settings.federation_allow_networks,
        host_policy=ctx.policy.may_federate,
    )
    ctx.inbox_writer = InboxWriter(ctx.sessions)
    ctx.remote = RemoteActors(
        sessions=ctx.sessions,
        client=client,
        policy=ctx.policy,
        clock=ctx.clock,
        signer=instance_signer(ctx),
    )


async def stop(ctx: AppContext) -> None:
    """Close the fetcher's connections."""
    remote, ctx.remote = ctx.remote, None
    if remote is not None:
        await remote.client.aclose()
    writer, ctx.inbox_writer = ctx.inbox_writer, None
    if writer is not None:
        await writer.aclose()


# --- the inbox -----------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}}).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json")


def public_url(request: Request, urls: LocalUrls) -> str:
    """The URL the sender addressed, as it signed it: our base URL and the raw path."""
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{urls.base_url}{path}" + (f"?{query}" if query else "")


def _log_refusal(request: Request, result: InboundResult) -> None:
    key_id = result.signature.key_id if result.signature is not None else None
    client = request.client.host if request.client else "?"
    log.info(
        "inbox refused %s %s from %s (key %s): %s",
        result.status,
        result.code,
        client,
        key_id or "-",
        result.message,
    )


async def _receive(request: Request, name: str | None) -> Response:
    ctx = ctx_of(request)
    db = db_of(request)
    if ctx.remote is None:
        return _error(503, "federation_unavailable", "federation is not running here")
    await ctx.policy.ensure_fresh(db)
    await db.commit()  # hold no transaction (nor, on PostgreSQL, a connection) while fetching keys
    settings = ctx.settings
    urls = LocalUrls.of(settings.effective_base_url)
    check = InboundCheck(
        policy=ctx.policy,
        remote=ctx.remote,
        options=InboundOptions(
            max_bytes=settings.inbox_max_bytes,
            window=timedelta(seconds=settings.signature_window),
        ),
    )
    result = await check.check(
        url=public_url(request, urls),
        authority=urls.domain,
        headers=request.headers.items(),
        body=request.stream(),
        now=ctx.clock.now(),
    )
    if not result.accepted:
        _log_refusal(request, result)
        return _error(result.status, result.code, result.message)
    activity, signature, payload = result.activity, result.signature, result.payload
    if activity is None or signature is None or payload is None:  # pragma: no cover
        raise RuntimeError("an accepted InboundResult carries its activity and signature")
    if name is not None:
        found, _local = await actors.lookup(db, name)
        if found is Found.GONE:
            return _error(410, "gone", f"{name} has left this co-op")
        if found is not Found.ACTOR:
            return _error(404, "not_found", f"there is no actor {name!r} here")
    writer = ctx.inbox_writer
    if writer is not None:
        await db.commit()  # the lookup's transaction; the writer uses its own
        store = functools.partial(writer.store)  # returns once committed (group commit)
    else:
        store = functools.partial(inbox.store, db)
    stored = await store(
        activity_id=activity.id,
        activity_type=activity.type,
        actor=activity.actor,
        payload=payload,
        recipient=name,
        key_id=signature.key_id or "",
        signature_scheme=signature.scheme or "",
        now=ctx.clock.now(),
    )
    await db.commit()
    if not stored.created:
        log.debug("inbox: duplicate delivery of %s ignored", activity.id)
    return Response(status_code=202)


async def shared_inbox(request: Request) -> Response:
    return await _receive(request, None)


async def actor_inbox(request: Request) -> Response:
    return await _receive(request, request.path_params["name"])


routes = [
    Route(SHARED_INBOX_PATH, shared_inbox, methods=["POST"], name="shared_inbox"),
    Route("/actors/{name}/inbox", actor_inbox, methods=["POST"], name="actor_inbox"),
]
