"""Federation's public read side over HTTP: discovery and actors.

    GET /.well-known/webfinger?resource=acct:NAME@DOMAIN    JRD (RFC 7033)
    GET /.well-known/nodeinfo, /nodeinfo/2.1                 NodeInfo 2.1
    GET /.well-known/host-meta, /.well-known/host-meta.json  RFC 6415
    GET /ns/coopfed                                          coopfed's JSON-LD context
    GET /actors/{name}                                       AS2 actor, or the HTML profile
    GET /actors/{name}/outbox|followers|following            OrderedCollection, paged
    GET /questions/{id}                                      a public proposal as a Question
    GET /notes/{uid}                                         an announcement (Note)

The documents are built in ``federation``; this module looks things up and answers HTTP.
The inbox routes (``POST /inbox``, ``POST /actors/{name}/inbox``) live with the inbox.
Errors are ``{"error": {"code", "message"}}``, as everywhere else.

Authorized fetch: when the admin turns on ``require_signed_fetch``, the AS2 documents of
members and every actor's collections are answered only to a GET whose HTTP signature
verifies (``_authorize_fetch``): 401 with the ``SignatureCheck`` failure code otherwise, 403
when the signer's host is one this instance does not federate with. The co-op's
``Organization`` actor, WebFinger, NodeInfo, host-meta and the context stay public: a peer
must read our instance key to check the signed GETs we send it, and two instances that both
required a signature for that would each wait for the other. Browsers still get the HTML
profile; a collection has no HTML form, so it is protected whatever the ``Accept`` header.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.auth.api_token import ApiToken
from coopfed.auth.web_session import WebSession
from coopfed.federation_inbox import public_url
from coopfed.web.templating import render
from coopfed.web.viewer import ctx_of, db_of
from federation import actor as actors
from federation import collections, discovery, publishing
from federation.actor import COOP_NAME, ActorKeyCache, Found, LocalActor, LocalUrls
from federation.context import CONTEXT_MEDIA_TYPE, CONTEXT_PATH, coopfed_context_bytes
from federation.httpsig import FailureCode, VerifyOptions, verify_request
from federation.inbound import InboundCode, RecordingResolver, claimed_key_id
from federation.net import BlockedHost
from federation.policy import PolicySnapshot, host_of_url, load_config
from governance import instance as instances
from governance import markdown
from governance.member import Member, Status
from governance.proposal.model import Proposal, ProposalStatus

log = logging.getLogger("coopfed.federation")

CORS: Final = {"Access-Control-Allow-Origin": "*"}
VARY: Final = {"Vary": "Accept"}
ACTOR_MAX_AGE: Final = 180  # seconds a cache may keep an actor document (keys can rotate)
NODEINFO_MAX_AGE: Final = 1800
CONTEXT_MAX_AGE: Final = 86400
_PAGE: Final = re.compile(r"[1-9][0-9]{0,3}")  # pages 1 to 9999, ASCII digits only
COLLECTIONS: Final = ("outbox", "followers", "following")
# A proposal counts as a NodeInfo "local post" once it is public and has been announced.
_POSTED: Final = frozenset(ProposalStatus) - {
    ProposalStatus.DRAFT,
    ProposalStatus.SCHEDULED,
    ProposalStatus.WITHDRAWN,
}


def _urls(request: Request) -> LocalUrls:
    return LocalUrls.of(ctx_of(request).settings.effective_base_url)


def _key_cache(request: Request) -> ActorKeyCache:
    cache: ActorKeyCache = request.app.state.actor_keys
    return cache


def _json(
    data: Any, media_type: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _json_error(
    status: int, code: str, message: str, *, media_type: str = "application/json"
) -> Response:
    return _json(
        {"error": {"code": code, "message": message}},
        media_type,
        status=status,
        headers={**CORS, **VARY},
    )


# --- WebFinger, NodeInfo, host-meta, context -----------------------------------------------


async def webfinger(request: Request) -> Response:
    urls = _urls(request)
    try:
        name = discovery.parse_resource(request.query_params.get("resource"), urls)
    except discovery.BadResource as exc:
        return _json_error(400, "bad_resource", str(exc))
    except discovery.ForeignResource as exc:
        return _json_error(404, "not_found", str(exc))
    found, local = await actors.lookup(db_of(request), name)
    if found is not Found.ACTOR or local is None:
        return _json_error(404, "not_found", f"no actor {name!r} on this instance")
    document = discovery.webfinger_document(local.name, urls, request.query_params.getlist("rel"))
    return _json(document, discovery.JRD_MEDIA_TYPE, headers=CORS)


async def host_meta(request: Request) -> Response:
    return Response(
        discovery.host_meta_xml(_urls(request)),
        media_type=discovery.HOST_META_MEDIA_TYPE,
        headers=CORS,
    )


async def host_meta_json(request: Request) -> Response:
    return _json(discovery.host_meta_json(_urls(request)), "application/json", headers=CORS)


async def nodeinfo_links(request: Request) -> Response:
    return _json(discovery.nodeinfo_links(_urls(request)), "application/json", headers=CORS)


async def nodeinfo(request: Request) -> Response:
    db = db_of(request)
    inst = await instances.get(db)
    usage = await _usage(db, ctx_of(request).clock.now())
    document = discovery.nodeinfo_document(
        version=discovery.software_version(),
        usage=usage,
        node_name=(inst.name if inst is not None and inst.name else _urls(request).domain),
        node_description=inst.description if inst is not None else "",
    )
    return _json(
        document,
        discovery.NODEINFO_21_MEDIA_TYPE,
        headers={**CORS, "Cache-Control": f"public, max-age={NODEINFO_MAX_AGE}"},
    )


async def _usage(db: AsyncSession, now: datetime) -> discovery.Usage:
    """Admitted members; of them, those seen (a browser session or an API token used) in
    the last 30 and 180 days; and public proposals that have been announced."""

    async def count(query: Any) -> int:
        return int(await db.scalar(query) or 0)

    def active_since(since: datetime) -> Any:
        seen = union(
            select(WebSession.member_id).where(WebSession.last_seen_at >= since),
            select(ApiToken.member_id).where(ApiToken.last_used_at >= since),
        ).subquery()
        return (
            select(func.count())
            .select_from(Member)
            .where(Member.status == Status.MEMBER, Member.id.in_(select(seen.c.member_id)))
        )

    return discovery.Usage(
        users_total=await count(
            select(func.count()).select_from(Member).where(Member.status == Status.MEMBER)
        ),
        users_active_month=await count(active_since(now - timedelta(days=30))),
        users_active_halfyear=await count(active_since(now - timedelta(days=180))),
        local_posts=await count(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.public.is_(True), Proposal.status.in_(_POSTED))
        ),
    )


async def context_document(request: Request) -> Response:
    return Response(
        coopfed_context_bytes(),
        media_type=CONTEXT_MEDIA_TYPE,
        headers={**CORS, "Cache-Control": f"public, max-age={CONTEXT_MAX_AGE}"},
    )


# --- authorized fetch ------------------------------------------------------------------------


def _refused_host(policy: PolicySnapshot, url: str | None) -> str | None:
    """The host of ``url`` when this instance does not federate with it, else None."""
    host = host_of_url(url) if url else None
    return host if host is not None and not policy.may_federate(host) else None


def _fetch_refusal(
    request: Request, status: int, code: str, message: str, *, key_id: str | None, media_type: str
) -> Response:
    client = request.client.host if request.client else "?"
    log.info(
        "fetch of %s refused %s %s from %s (key %s): %s",
        request.url.path,
        status,
        code,
        client,
        key_id or "-",
        message,
    )
    return _json_error(status, code, message, media_type=media_type)


async def _authorize_fetch(request: Request, media_type: str) -> Response | None:
    """None when this AS2 GET of a non-public object may be answered, else its refusal.

    With ``require_signed_fetch`` off, anyone may read. On, the request must carry an HTTP
    signature that ``verify_request`` accepts (method and target, host, and a date or
    ``created`` within ``signature_window``; a GET has no digest to sign) made with a key
    that resolves (``ctx.remote``: cache, database, or one fetch through the safe client):
    else 401 with the ``FailureCode``. A key on a host this instance does not federate with
    (blocked, or not listed in allow-list mode) is refused with 403 before anything is
    fetched; so is a key whose owner lives on such a host.
    """
    ctx = ctx_of(request)
    db = db_of(request)
    policy = await ctx.policy.ensure_fresh(db)
    if not policy.require_signed_fetch:
        return None
    key_id = claimed_key_id(request.headers)
    blocked = _refused_host(policy, key_id)
    if blocked is not None:
        return _fetch_refusal(
            request,
            403,
            InboundCode.BLOCKED_HOST,
            f"this instance does not federate with {blocked} (the signature's key)",
            key_id=key_id,
            media_type=media_type,
        )
    if ctx.remote is None:
        return _json_error(
            503, "federation_unavailable", "federation is not running here", media_type=media_type
        )
    await db.commit()  # hold no transaction (nor, on PostgreSQL, a connection) while fetching keys
    urls = _urls(request)
    # The host is checked as our own authority, whatever arrived (see federation.inbound).
    headers = [(name, value) for name, value in request.headers.items() if name != "host"]
    headers.append(("host", urls.domain))
    resolver = RecordingResolver(ctx.remote)
    check = await verify_request(
        request.method,
        public_url(request, urls),
        headers,
        b"",
        resolve_key=resolver,
        now=ctx.clock.now(),
        options=VerifyOptions(window=timedelta(seconds=ctx.settings.signature_window)),
    )
    if not check.ok:
        message = check.message
        unavailable = resolver.error
        if unavailable is not None and check.failure is FailureCode.UNKNOWN_KEY:
            message = f"{message}: {unavailable.message}"
            if isinstance(unavailable.cause, BlockedHost):
                return _fetch_refusal(
                    request,
                    403,
                    InboundCode.BLOCKED_HOST,
                    message,
                    key_id=check.key_id,
                    media_type=media_type,
                )
        code = check.failure or FailureCode.BAD_SIGNATURE
        return _fetch_refusal(
            request, 401, code, message, key_id=check.key_id, media_type=media_type
        )
    # The rules may have changed while the key was fetched; the owner's host counts too.
    policy = ctx.policy.snapshot
    blocked = _refused_host(policy, check.key_id) or _refused_host(policy, check.key_owner)
    if blocked is not None:
        return _fetch_refusal(
            request,
            403,
            InboundCode.BLOCKED_HOST,
            f"this instance does not federate with {blocked} (the signer)",
            key_id=check.key_id,
            media_type=media_type,
        )
    return None


def _signed_fetch_required(request: Request) -> bool:
    """Whether the answer depends on who signed the request (so no shared cache may keep it)."""
    return ctx_of(request).policy.snapshot.require_signed_fetch


# --- actors ----------------------------------------------------------------------------------


async def _find(request: Request, as2: str | None) -> LocalActor | Response:
    """The actor named in the path, or the 404/410 response for it."""
    name = request.path_params["name"]
    found, local = await actors.lookup(db_of(request), name)
    if found is Found.ACTOR and local is not None:
        return local
    status = 410 if found is Found.GONE else 404
    if as2 is not None:
        if status == 410:
            return _json_error(410, "gone", f"{name} has left this co-op", media_type=as2)
        return _json_error(404, "not_found", f"there is no actor {name!r} here", media_type=as2)
    if status == 410:
        response = await render(request, "profile/gone.html", {"name": name}, status=410)
        response.headers["Vary"] = "Accept"
        return response
    raise HTTPException(404)


async def actor(request: Request) -> Response:
    as2 = actors.negotiate(request.headers.get("accept"))
    protected = False
    if as2 is not None and request.path_params["name"] != COOP_NAME:
        # Before the lookup, so that an unsigned client cannot even learn who is a member.
        protected = True
        refusal = await _authorize_fetch(request, as2)
        if refusal is not None:
            return refusal
    local = await _find(request, as2)
    if isinstance(local, Response):
        return local
    if as2 is None:
        return await _profile_page(request, local)
    db = db_of(request)
    manual = False
    if local.is_coop:
        config = await load_config(db)
        manual = config is not None and not config.auto_accept_follows
    built = await actors.document_for(
        db,
        _key_cache(request),
        _urls(request),
        local,
        now=ctx_of(request).clock.now(),
        manually_approves=manual,
    )
    if built.keys_created:
        await db.commit()
    cache = "private" if protected and _signed_fetch_required(request) else "public"
    return _json(
        built.document,
        as2,
        headers={**CORS, **VARY, "Cache-Control": f"{cache}, max-age={ACTOR_MAX_AGE}"},
    )


async def _profile_page(request: Request, local: LocalActor) -> Response:
    urls = _urls(request)
    db = db_of(request)
    inst = await instances.get(db)
    values: dict[str, Any] = {
        "handle": f"@{local.name}@{urls.domain}",
        "coop_name": inst.name if inst is not None and inst.name else urls.domain,
        "coop_url": urls.actor(actors.COOP_NAME),
    }
    if local.member is not None:
        template = "profile/person.html"
        values["person"] = local.member
    else:
        template = "profile/organization.html"
        description = inst.description if inst is not None else ""
        values["description_html"] = markdown.render(description) if description.strip() else ""
        values["member_count"] = int(
            await db.scalar(
                select(func.count()).select_from(Member).where(Member.status == Status.MEMBER)
            )
            or 0
        )
    response = await render(request, template, values)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = (
        f'<{urls.actor(local.name)}>; rel="alternate"; type="{actors.AS2_MEDIA_TYPE}"'
    )
    return response


def _collection_route(kind: str) -> Route:
    async def endpoint(request: Request) -> Response:
        as2 = actors.negotiate(request.headers.get("accept")) or actors.AS2_MEDIA_TYPE
        refusal = await _authorize_fetch(request, as2)
        if refusal is not None:
            return refusal
        local = await _find(request, as2)
        if isinstance(local, Response):
            return local
        urls = _urls(request)
        collection_id = {
            "outbox": urls.outbox,
            "followers": urls.followers,
            "following": urls.following,
        }[kind](local.name)
        page = request.query_params.get("page")
        document: dict[str, Any]
        if page is None:
            total = await collections.total(db_of(request), kind, local)
            document = actors.ordered_collection(collection_id, total_items=total)
        elif _PAGE.fullmatch(page):
            items, has_next = await collections.page(db_of(request), kind, local, int(page))
            document = actors.ordered_collection_page(
                collection_id, int(page), items, has_next=has_next
            )
        else:
            return _json_error(
                400, "invalid_page", "page must be a whole number from 1", media_type=as2
            )
        headers = {**CORS, **VARY}
        if _signed_fetch_required(request):
            headers["Cache-Control"] = "private"
        return _json(document, as2, headers=headers)

    return Route(f"/actors/{{name}}/{kind}", endpoint, methods=["GET"], name=f"actor_{kind}")


# --- published objects -------------------------------------------------------------------


async def question(request: Request) -> Response:
    """A public proposal as a ``Question`` (AS2), or, for a browser, its page."""
    proposal_id: int = request.path_params["proposal_id"]
    as2 = actors.negotiate(request.headers.get("accept"))
    if as2 is None:
        return RedirectResponse(publishing.proposal_url(_urls(request), proposal_id), 303)
    db = db_of(request)
    proposal = await db.get(Proposal, proposal_id)
    if (
        proposal is None
        or not proposal.public
        or proposal.status not in publishing.PUBLISHED_STATUSES
    ):
        return _json_error(
            404, "not_found", f"there is no public question {proposal_id}", media_type=as2
        )
    document = await publishing.question_of(db, proposal, _urls(request))
    return _json(document, as2, headers={**CORS, **VARY})


async def note(request: Request) -> Response:
    """An announcement the co-op published (AS2), or, for a browser, the co-op's profile."""
    urls = _urls(request)
    as2 = actors.negotiate(request.headers.get("accept"))
    if as2 is None:
        return RedirectResponse(urls.profile(COOP_NAME), 303)
    found = await publishing.stored_note(db_of(request), urls, request.path_params["uid"])
    if found is None:
        return _json_error(404, "not_found", "there is no such note", media_type=as2)
    return _json(found, as2, headers={**CORS, **VARY})


routes = [
    Route("/.well-known/webfinger", webfinger, methods=["GET"]),
    Route("/.well-known/host-meta", host_meta, methods=["GET"]),
    Route("/.well-known/host-meta.json", host_meta_json, methods=["GET"]),
    Route("/.well-known/nodeinfo", nodeinfo_links, methods=["GET"]),
    Route("/nodeinfo/2.1", nodeinfo, methods=["GET"]),
    Route(CONTEXT_PATH, context_document, methods=["GET"]),
    Route("/actors/{name}", actor, methods=["GET"], name="actor"),
    *(_collection_route(kind) for kind in COLLECTIONS),
    Route("/questions/{proposal_id:int}", question, methods=["GET"], name="question"),
    Route("/notes/{uid:str}", note, methods=["GET"], name="note"),
]
