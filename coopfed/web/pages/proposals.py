"""Proposals: the list, the new-proposal and edit forms; and what every governance page shares
(the admitted-member guard, notices, rules in words, translated labels, number formatting)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal, format_percent
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.i18n import gettext_
from coopfed.web.errors import error_page, http_status, refused
from coopfed.web.forms import Form, posted
from coopfed.web.guards import require_member
from coopfed.web.templating import language_for, redirect, render
from coopfed.web.viewer import ctx_of, db_of, viewer
from governance import member as members
from governance import membership_class
from governance.ballot import cast as ballots
from governance.bylaws import store as bylaws_store
from governance.bylaws.document import Effect, ProposalKind, parse_share
from governance.errors import Conflict, Forbidden, GovernanceError, InvalidInput, NotFound
from governance.i18n import N_
from governance.ledger.allocation import PRESET_LABELS, PRESETS
from governance.ledger.allocation import preset as allocation_preset
from governance.member import Member, Status
from governance.proposal import service
from governance.proposal.model import (
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    Proposal,
    ProposalStatus,
)
from governance.tally.types import OPTION_METHODS, Method

STATUS_LABELS = {
    ProposalStatus.DRAFT: N_("draft"),
    ProposalStatus.SCHEDULED: N_("scheduled"),
    ProposalStatus.OPEN: N_("open for voting"),
    ProposalStatus.CLOSED: N_("closed, being counted"),
    ProposalStatus.PASSED: N_("passed"),
    ProposalStatus.REJECTED: N_("rejected"),
    ProposalStatus.NO_QUORUM: N_("no quorum"),
    ProposalStatus.WITHDRAWN: N_("withdrawn"),
}
# The kinds' labels in the shipped bylaws presets, so that they are shown translated; a label
# the co-op wrote itself is shown as written.
PRESET_KIND_LABELS = (
    N_("Ordinary decision"),
    N_("Budget"),
    N_("Member admission"),
    N_("Bylaws amendment"),
    N_("Choice among options (approval)"),
    N_("Consent decision"),
    N_("Surplus allocation"),
)
NOT_ADMITTED = N_("Only admitted members can see and take part in the co-op's decisions.")
NO_PROPOSAL = N_("There is no proposal with id %(id)s.")
NOT_AUTHOR = N_("Only the author or an admin may change this proposal.")
NOT_EDITABLE = N_("The question cannot change once voting has opened.")
CLOSED_STATUSES = frozenset({*FINAL_STATUSES, ProposalStatus.CLOSED, ProposalStatus.WITHDRAWN})


@dataclass(frozen=True)
class LazyText:
    """A message translated when the page is rendered (its language is active only then).

    With ``params`` the translation is %-formatted; without, it is shown as is, because a label
    the co-op wrote may contain a '%'.
    """

    msgid: str
    params: Mapping[str, object] | None = None

    def __str__(self) -> str:
        text = gettext_(self.msgid)
        return text % dict(self.params) if self.params is not None else text


def status_label(status: ProposalStatus) -> LazyText:
    return LazyText(STATUS_LABELS[status])


def kind_label(label: str) -> LazyText:
    return LazyText(label)


# --- Numbers in the page's language ---------------------------------------------------------


def share_text(raw: object, lang: str) -> str:
    """A bylaws share ("0.5", "2/3") as a percentage, or as a fraction when that is exact."""
    value = parse_share(raw if isinstance(raw, str | int) else str(raw), "share")
    if (value * 10_000).denominator == 1:
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return format_percent(exact.normalize(), locale=lang, decimal_quantization=False)
    return f"{value.numerator}/{value.denominator}"


def percent_text(raw: object, lang: str) -> str:
    """A decimal share ("0.666666666667") as a percentage with at most one decimal."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return "—"
    rounded = value.quantize(Decimal("0.001")).normalize()
    return format_percent(rounded, locale=lang, decimal_quantization=False)


def number_text(raw: object, lang: str) -> str:
    """A vote weight or total with at most two decimals."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return "—"
    return format_decimal(value, format="#,##0.##", locale=lang)


# --- Pages, notices and guards --------------------------------------------------------------


@dataclass(frozen=True)
class Formats:
    """Numbers in one page's language."""

    lang: str

    def share(self, raw: object) -> str:
        return share_text(raw, self.lang)

    def percent(self, raw: object) -> str:
        return percent_text(raw, self.lang)

    def number(self, raw: object) -> str:
        return number_text(raw, self.lang)


async def formats(request: Request) -> Formats:
    return Formats(language_for(request, await viewer(request)))


async def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    """Render a governance page: the shared helpers, and this module's notices."""
    fmt = await formats(request)
    shared: dict[str, Any] = {
        "status_label": status_label,
        "kind_label": kind_label,
        "share": fmt.share,
        "percent": fmt.percent,
        "number": fmt.number,
        "error": None,
        "params": {},
    }
    return await render(request, template, {**shared, **context}, status=status)


async def require_admitted(request: Request) -> Member:
    """The signed-in member, who must be admitted (applicants and suspended members get 403)."""
    me = await require_member(request)
    if me.status is not Status.MEMBER:
        raise Forbidden(NOT_ADMITTED, code="not_member")
    return me


def may_change(proposal: Proposal, me: Member) -> bool:
    return me.id == proposal.author_id or me.is_admin


async def visible_proposal(request: Request, me: Member) -> Proposal:
    """The proposal named in the path; someone else's draft is not shown (404)."""
    proposal_id = int(request.path_params["proposal_id"])
    proposal = await service.get(db_of(request), proposal_id)
    if proposal.status is ProposalStatus.DRAFT and not may_change(proposal, me):
        raise NotFound(NO_PROPOSAL, id=proposal_id)
    return proposal


# --- Rules in words -------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesView:
    """A proposal kind's rules (from the bylaws, or frozen on a proposal) for the templates."""

    label: str
    method: str
    quorum: str
    threshold: str
    at_least: bool
    secret: bool
    proxies_allowed: bool
    max_proxies: int
    notice_hours: int
    min_hours: int
    max_hours: int
    classes: tuple[str, ...]  # names of the classes that vote; empty: every member
    effect: str
    max_choices: int | None
    seats: int = 1

    @property
    def has_quorum(self) -> bool:
        return parse_share(self.quorum, "quorum") != 0

    @property
    def uses_threshold(self) -> bool:
        return self.method in (Method.MAJORITY, Method.SUPERMAJORITY)

    @property
    def takes_options(self) -> bool:
        return Method(self.method) in OPTION_METHODS


def rules_view(rules: Mapping[str, Any], class_names: Mapping[str, str]) -> RulesView:
    return RulesView(
        label=str(rules.get("label", "")),
        method=str(rules.get("method", Method.MAJORITY.value)),
        quorum=str(rules.get("quorum", "0")),
        threshold=str(rules.get("threshold", "0.5")),
        at_least=rules.get("comparison") == "at_least",
        secret=bool(rules.get("secret")),
        proxies_allowed=bool(rules.get("proxies_allowed")),
        max_proxies=int(rules.get("max_proxies_per_holder", 0)),
        notice_hours=int(rules.get("notice_hours", 0)),
        min_hours=int(rules.get("min_voting_hours", 0)),
        max_hours=int(rules.get("max_voting_hours", 0)),
        classes=tuple(class_names.get(slug, slug) for slug in rules.get("eligible_classes", [])),
        effect=str(rules.get("effect", Effect.RECORD.value)),
        max_choices=rules.get("max_choices"),
        seats=int(rules.get("seats", 1)),
    )


async def class_names(request: Request) -> dict[str, str]:
    return {c.slug: c.name for c in await membership_class.list_all(db_of(request))}


# --- Times ----------------------------------------------------------------------------------

BAD_TIME = N_("Enter dates and times as YYYY-MM-DD HH:MM, in UTC.")


def input_time(value: datetime) -> str:
    """A UTC time for a ``datetime-local`` input."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def parse_input_time(text: str) -> datetime:
    """A ``datetime-local`` value, read as UTC (an explicit offset is honoured)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(BAD_TIME, code="bad_time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def next_minute(value: datetime) -> datetime:
    """``value`` rounded up to a whole minute, so a default never falls before "now"."""
    whole = value.replace(second=0, microsecond=0)
    return whole if whole == value else whole + timedelta(minutes=1)


def schedule_defaults(rules: Mapping[str, Any], now: datetime) -> dict[str, str]:
    opens = next_minute(now + timedelta(hours=int(rules.get("notice_hours", 0))))
    closes = opens + timedelta(hours=int(rules.get("min_voting_hours", 24)))
    return {"opens_at": input_time(opens), "closes_at": input_time(closes)}


# --- The list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenItem:
    proposal: Proposal
    seconds_left: int
    voted: bool


async def proposal_list(request: Request) -> Response:
    me = await require_admitted(request)
    db = db_of(request)
    now = ctx_of(request).clock.now()
    open_items = []
    for proposal in await service.listing(db, {ProposalStatus.OPEN}):
        closes = proposal.closes_at or now
        open_items.append(
            OpenItem(
                proposal,
                max(0, math.ceil((closes - now).total_seconds())),
                await ballots.has_voted(db, proposal, me.id),
            )
        )
    open_items.sort(key=lambda item: item.seconds_left)
    upcoming = sorted(
        await service.listing(db, {ProposalStatus.SCHEDULED}),
        key=lambda p: p.opens_at or now,
    )
    drafts = [p for p in await service.listing(db, {ProposalStatus.DRAFT}) if may_change(p, me)]
    closed = await service.listing(db, set(CLOSED_STATUSES), limit=100)
    return await page(
        request,
        "proposals/list.html",
        {"open": open_items, "upcoming": upcoming, "drafts": drafts, "closed": closed},
    )


# --- New and edit ---------------------------------------------------------------------------


def draft_from(kind: ProposalKind, form: Form) -> service.Draft:
    """The author's form as a :class:`service.Draft` for ``kind`` (the service validates it)."""
    options: tuple[str, ...] = ()
    if kind.method in OPTION_METHODS:
        options = tuple(line.strip() for line in form.get("options").splitlines() if line.strip())
    subject = None
    if kind.effect is Effect.ADMIT_MEMBER and form.stripped("subject_member_id").isdigit():
        subject = int(form.stripped("subject_member_id"))
    proposed = None
    if kind.effect is Effect.AMEND_BYLAWS and form.stripped("bylaws"):
        try:
            proposed = json.loads(form.get("bylaws"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                N_("The proposed bylaws are not valid JSON (line %(line)s, column %(column)s)."),
                code="invalid_json",
                line=exc.lineno,
                column=exc.colno,
            ) from None
        if not isinstance(proposed, dict):
            raise InvalidInput(
                N_("The proposed bylaws must be a JSON object, like the current ones."),
                code="invalid_json",
            )
        chosen = form.stripped("allocation_policy")
        if chosen in PRESETS:  # an allocation preset replaces ledger.allocation in the JSON
            ledger = proposed.get("ledger")
            proposed["ledger"] = {**(ledger if isinstance(ledger, dict) else {}),
                                  "allocation": allocation_preset(chosen)}
    return service.Draft(
        kind=kind.key,
        title=form.get("title"),
        body=form.get("body"),
        options=options,
        subject_member_id=subject,
        proposed_bylaws=proposed,
        public=form.get("public") == "on",
    )


def bylaws_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False)


async def _form_page(
    request: Request,
    *,
    kind: ProposalKind,
    form: Mapping[str, str],
    proposal: Proposal | None,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    applicants = []
    if kind.effect is Effect.ADMIT_MEMBER:
        applicants = await members.list_all(db, status=Status.APPLICANT)
    return await page(
        request,
        "proposals/form.html",
        {
            "kind": kind,
            "rules": rules_view(kind.to_json(), await class_names(request)),
            "form": form,
            "proposal": proposal,
            "applicants": applicants,
            "takes_options": kind.method in OPTION_METHODS,
            "is_admission": kind.effect is Effect.ADMIT_MEMBER,
            "is_amendment": kind.effect is Effect.AMEND_BYLAWS,
            "allocation_presets": PRESET_LABELS,
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


async def proposal_new(request: Request) -> Response:
    await require_admitted(request)
    bylaws = await bylaws_store.current(db_of(request))
    chosen = request.query_params.get("kind", "")
    if chosen not in bylaws.kinds:
        names = await class_names(request)
        return await page(
            request,
            "proposals/kinds.html",
            {
                "kinds": [
                    (kind.key, rules_view(kind.to_json(), names)) for kind in bylaws.kinds.values()
                ],
            },
        )
    kind = bylaws.kinds[chosen]
    form = {"bylaws": bylaws_json(bylaws.to_json())} if kind.effect is Effect.AMEND_BYLAWS else {}
    return await _form_page(request, kind=kind, form=form, proposal=None)


async def proposal_create(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    kind = (await bylaws_store.current(db)).kind(form.get("kind"))
    try:
        proposal = await service.create(
            db,
            await members.get(db, me.id),
            draft_from(kind, form),
            now=ctx_of(request).clock.now(),
        )
        await db.commit()
    except GovernanceError as exc:
        return await refused(request, exc, _form_page, kind=kind, form=form.values, proposal=None)
    return redirect(request, f"/proposals/{proposal.id}", notice="proposal_saved")


def check_editable(proposal: Proposal, me: Member) -> None:
    """The same refusals as :func:`service.update`, before showing the form."""
    if not may_change(proposal, me):
        raise Forbidden(NOT_AUTHOR, code="not_author")
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(NOT_EDITABLE, code="not_editable")


async def proposal_edit(request: Request) -> Response:
    me = await require_admitted(request)
    db = db_of(request)
    proposal = await visible_proposal(request, me)
    try:
        check_editable(proposal, me)
    except GovernanceError as exc:
        return await error_page(request, http_status(exc), exc.template, exc.params)
    kind = (await bylaws_store.current(db)).kind(proposal.kind)
    form = {
        "title": proposal.title,
        "body": proposal.body_md,
        "options": "\n".join(o.label for o in await service.options_of(db, proposal.id)),
        "subject_member_id": str(proposal.subject_member_id or ""),
        "bylaws": bylaws_json(proposal.proposed_bylaws) if proposal.proposed_bylaws else "",
        "public": "on" if proposal.public else "",
    }
    return await _form_page(request, kind=kind, form=form, proposal=proposal)


async def proposal_update(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    proposal = await visible_proposal(request, me)
    proposal_id = proposal.id
    try:
        check_editable(proposal, me)
    except GovernanceError as exc:
        return await error_page(request, http_status(exc), exc.template, exc.params)
    kind = (await bylaws_store.current(db)).kind(proposal.kind)
    try:
        await service.update(
            db,
            proposal,
            await members.get(db, me.id),
            draft_from(kind, form),
            now=ctx_of(request).clock.now(),
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _form_page(
            request,
            kind=kind,
            form=form.values,
            proposal=await service.get(db, proposal_id),
            error=exc.template,
            params=exc.params,
            status=http_status(exc),
        )
    return redirect(request, f"/proposals/{proposal_id}", notice="proposal_saved")


routes = [
    Route("/proposals", proposal_list, methods=["GET"]),
    Route("/proposals", proposal_create, methods=["POST"]),
    Route("/proposals/new", proposal_new, methods=["GET"]),
    Route("/proposals/{proposal_id:int}/edit", proposal_edit, methods=["GET"]),
    Route("/proposals/{proposal_id:int}/edit", proposal_update, methods=["POST"]),
]
