"""The proposal page and what members do on it: vote (for themselves or by proxy), check a
receipt, discuss; the author's (or an admin's) schedule, withdraw and outcome statement; and,
after the close, the result as a table and a chart."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.web.chart import Bar, bar_chart
from coopfed.web.errors import http_status
from coopfed.web.forms import Form, posted
from coopfed.web.pages.allocation import allocation_view
from coopfed.web.pages.proposals import (
    LazyText,
    RulesView,
    class_names,
    formats,
    may_change,
    page,
    parse_input_time,
    require_admitted,
    rules_view,
    schedule_defaults,
    status_label,
    visible_proposal,
)
from coopfed.web.ranked_result import (
    LazyRoundChart,
    PairwiseRow,
    RoundRow,
    pairwise_of,
    rounds_of,
    strongest_paths_of,
)
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance import comment, proxy
from governance import member as members
from governance.ballot import cast as ballots
from governance.ballot import query as ballot_query
from governance.ballot.choice import RANKED_METHODS
from governance.bylaws.document import Bylaws, parse_bylaws
from governance.errors import GovernanceError, InvalidInput
from governance.i18n import N_
from governance.member import Member
from governance.proposal import service
from governance.proposal.model import (
    EDITABLE_STATUSES,
    Proposal,
    ProposalStatus,
)
from governance.tally.types import MAX_SCORE, MIN_SCORE, OPTION_METHODS, Method

VOTE_LABELS = {
    "yes": N_("yes"),
    "no": N_("no"),
    "abstain": N_("abstain"),
    "agree": N_("agree"),
    "block": N_("block"),
}
VOTES_BY_METHOD = {
    Method.MAJORITY: ("yes", "no", "abstain"),
    Method.SUPERMAJORITY: ("yes", "no", "abstain"),
    Method.CONSENT: ("agree", "abstain", "block"),
}
SCORES = tuple(range(MIN_SCORE, MAX_SCORE + 1))
WHOLE_NUMBER = re.compile(r"-?\d{1,3}")


# --- Choices ----------------------------------------------------------------------------------


def choice_from(method: Method, form: Form) -> dict[str, object]:
    """The posted vote form as a ballot choice (``governance.ballot.choice`` checks it)."""
    if method in VOTES_BY_METHOD:
        return {"vote": form.stripped("vote")}
    if method is Method.APPROVAL:
        return {"approve": [key[8:] for key in form.values if key.startswith("approve_")]}
    if method is Method.SCORE:
        scores: dict[str, object] = {}
        for key, value in form.values.items():
            if key.startswith("score_"):
                text = value.strip()
                scores[key[6:]] = int(text) if WHOLE_NUMBER.fullmatch(text) else text
        return {"scores": scores}
    if method in RANKED_METHODS:
        return {"ranking": ranking_from(form)}
    return {}


def ranking_from(form: Form) -> list[str]:
    """The ``rank_<option>`` selects (1..n, or empty for not ranked) as an ordering, most
    preferred first; a repeated, missing (a gap) or malformed rank is refused."""
    ranked: dict[int, str] = {}
    for key, value in form.values.items():
        if not key.startswith("rank_") or not value.strip():
            continue
        text = value.strip()
        if not text.isdigit() or len(text) > 4 or int(text) < 1:
            raise InvalidInput(
                N_("A rank is a whole number from 1, or 'not ranked'."), code="invalid_choice"
            )
        rank = int(text)
        if rank in ranked:
            raise InvalidInput(
                N_("Rank %(rank)s is given to more than one option: give each rank once."),
                code="invalid_choice",
                rank=rank,
            )
        ranked[rank] = key[5:]
    for expected in range(1, len(ranked) + 1):
        if expected not in ranked:
            raise InvalidInput(
                N_(
                    "Ranks must run 1, 2, 3… without a gap: rank %(rank)s is missing. Rank "
                    "your choices from 1, or leave options not ranked."
                ),
                code="incomplete_ranking",
                rank=expected,
            )
    return [ranked[rank] for rank in sorted(ranked)]


def form_from_choice(choice: Mapping[str, Any]) -> dict[str, str]:
    """A stored choice as vote-form values, to show a roll-call voter their current ballot."""
    if "vote" in choice:
        return {"vote": str(choice["vote"])}
    if "approve" in choice:
        return {f"approve_{key}": "on" for key in choice["approve"]}
    if "scores" in choice:
        return {f"score_{key}": str(value) for key, value in choice["scores"].items()}
    if "ranking" in choice:
        return {f"rank_{key}": str(n) for n, key in enumerate(choice["ranking"], start=1)}
    return {}


@dataclass(frozen=True)
class ChoiceView:
    """A stored choice in words: a vote, the approved options, or a score per option."""

    vote: LazyText | None = None
    approved: tuple[str, ...] | None = None
    scores: tuple[tuple[str, int], ...] | None = None
    ranking: tuple[str, ...] | None = None


def choice_view(choice: Mapping[str, Any], labels: Mapping[str, str]) -> ChoiceView:
    if "vote" in choice:
        return ChoiceView(vote=LazyText(VOTE_LABELS.get(str(choice["vote"]), str(choice["vote"]))))
    if "approve" in choice:
        return ChoiceView(approved=tuple(labels.get(k, k) for k in choice["approve"]))
    if "scores" in choice:
        return ChoiceView(
            scores=tuple((labels.get(k, k), int(v)) for k, v in choice["scores"].items())
        )
    if "ranking" in choice:
        return ChoiceView(ranking=tuple(labels.get(k, k) for k in choice["ranking"]))
    return ChoiceView()


# --- The result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    label: str | LazyText
    total: str
    winner: bool


@dataclass(frozen=True)
class LazyChart:
    """The result chart, drawn when the page renders so that its labels are translated."""

    title: LazyText
    rows: tuple[ResultRow, ...]
    number: Callable[[object], str]

    def __html__(self) -> str:
        bars = [
            Bar(str(row.label), _decimal(row.total), self.number(row.total), row.winner)
            for row in self.rows
        ]
        return str(bar_chart(str(self.title), bars, chart_id="result-chart"))


@dataclass(frozen=True)
class ResultView:
    status: ProposalStatus
    method: str
    rows: tuple[ResultRow, ...]
    chart_title: LazyText
    turnout: str
    cast_weight: str
    eligible_weight: str
    ballot_count: int
    quorum_reached: bool
    threshold_reached: bool | None
    yes_share: str | None
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    blocks: int
    option_labels: tuple[str, ...] = ()
    rounds: tuple[RoundRow, ...] = ()
    quota: str | None = None
    pairwise: tuple[PairwiseRow, ...] = ()
    strongest_paths: tuple[PairwiseRow, ...] = ()


def _decimal(raw: object) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return Decimal(0)


def result_view(
    proposal: Proposal, result: Mapping[str, Any], labels: Mapping[str, str]
) -> ResultView:
    method = Method(result["method"])
    totals: Mapping[str, str] = result.get("totals", {})
    winners = set(result.get("winners", []))
    if method in VOTES_BY_METHOD:
        lead = "agree" if method is Method.CONSENT else "yes"
        passed = proposal.status is ProposalStatus.PASSED
        rows = tuple(
            ResultRow(LazyText(VOTE_LABELS[key]), totals.get(key, "0"), passed and key == lead)
            for key in VOTES_BY_METHOD[method]
        )
        title = LazyText(N_("Votes per choice"))
    else:
        rows = tuple(
            ResultRow(label, totals.get(key, "0"), key in winners) for key, label in labels.items()
        )
        if method is Method.SCORE:
            title = LazyText(N_("Score totals per option"))
        elif method in RANKED_METHODS:
            title = LazyText(N_("First preferences per option"))
        else:
            title = LazyText(N_("Votes per option"))
    blocks = result.get("blocks", 0)
    details: Mapping[str, Any] = result.get("details", {})
    yes_share = details.get("yes_share")
    return ResultView(
        status=proposal.status,
        method=method.value,
        rows=rows,
        chart_title=title,
        turnout=str(result.get("turnout", "0")),
        cast_weight=str(result.get("cast_weight", "0")),
        eligible_weight=str(result.get("eligible_weight", "0")),
        ballot_count=int(result.get("ballot_count", 0)),
        quorum_reached=bool(result.get("quorum_reached")),
        threshold_reached=result.get("threshold_reached"),
        # null; or "None" in results counted before details kept null
        yes_share=yes_share if yes_share not in (None, "None") else None,
        winners=tuple(labels.get(k, k) for k in result.get("winners", [])),
        tied=tuple(labels.get(k, k) for k in result.get("tied", [])),
        blocks=blocks if isinstance(blocks, int) else len(blocks),
        option_labels=tuple(labels.values()),
        rounds=rounds_of(details, labels),
        quota=str(details["quota"]) if details.get("quota") is not None else None,
        pairwise=pairwise_of(details, labels),
        strongest_paths=strongest_paths_of(details, labels),
    )


@dataclass(frozen=True)
class CastBallot:
    """A roll-call ballot after the close: who, what, and who cast it if it was a proxy."""

    voter: str
    choice: ChoiceView
    cast_by: str | None
    reason: str


async def _who_voted(
    db: AsyncSession, proposal: Proposal, labels: Mapping[str, str], names: Mapping[int, str]
) -> tuple[list[CastBallot], int]:
    """After the close: a roll-call vote lists every ballot; a secret one only how many were
    cast by proxy."""
    if proposal.rules.get("secret"):
        return [], await ballot_query.secret_ballots_by_proxy(db, proposal.id)
    listed = [
        CastBallot(
            names.get(row.voter_id, "?"),
            choice_view(row.choice, labels),
            names.get(row.cast_by_id, "?") if row.cast_by_id != row.voter_id else None,
            row.reason,
        )
        for row in await ballot_query.roll_call(db, proposal.id)
    ]
    return listed, 0


def _proposed_bylaws(
    proposal: Proposal, cnames: Mapping[str, str]
) -> tuple[Bylaws | None, list[tuple[str, RulesView]]]:
    if proposal.proposed_bylaws is None:
        return None, []
    try:
        proposed = parse_bylaws(proposal.proposed_bylaws)
    except GovernanceError:
        return None, []  # stored before a validation rule changed; shown as absent
    return proposed, [(k.key, rules_view(k.to_json(), cnames)) for k in proposed.kinds.values()]


# --- The page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Giver:
    id: int
    name: str
    voted: bool


async def proposal_page(
    request: Request,
    proposal_id: int,
    me: Member,
    *,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
    forms: Mapping[str, Mapping[str, str]] | None = None,
    receipt: str | None = None,
    receipt_for: str | None = None,
) -> Response:
    """The proposal page; ``forms`` re-fills a form that was refused (vote, comment, …)."""
    db = db_of(request)
    now = ctx_of(request).clock.now()
    proposal = await service.get(db, proposal_id)
    names = {m.id: m.display_name for m in await members.list_all(db)}
    options = await service.options_of(db, proposal.id)
    labels = {o.key: o.label for o in options}
    method = Method(proposal.rules.get("method", Method.MAJORITY.value))
    secret = bool(proposal.rules.get("secret"))
    voting_open = proposal.status is ProposalStatus.OPEN and (
        proposal.closes_at is None or now < proposal.closes_at
    )
    electorate = await ballot_query.electorate_of(db, proposal.id)
    turnout = await ballot_query.turnout(db, proposal)
    started = proposal.opened_at is not None
    voted = started and await ballots.has_voted(db, proposal, me.id)
    forms = dict(forms or {})
    my_choice = None
    my_ballot_by = None
    if voted and not secret:
        own = await ballots.own_roll_call_ballot(db, proposal.id, me.id)
        if own is not None:
            my_choice = choice_view(own.choice, labels)
            my_ballot_by = names.get(own.cast_by_id) if own.cast_by_id != me.id else None
            forms.setdefault("vote", form_from_choice(own.choice))
    givers = []
    if voting_open:
        for giver_id in await proxy.givers_for(db, me.id, proposal):
            givers.append(
                Giver(
                    giver_id,
                    names.get(giver_id, "?"),
                    await ballots.has_voted(db, proposal, giver_id),
                )
            )
    cnames = await class_names(request)
    result = result_view(proposal, proposal.result, labels) if proposal.result else None
    ballots_cast, by_proxy = await _who_voted(db, proposal, labels, names) if result else ([], 0)
    proposed, proposed_rules = _proposed_bylaws(proposal, cnames)
    changer = may_change(proposal, me)
    seconds_left = (
        max(0, int((proposal.closes_at - now).total_seconds()))
        if voting_open and proposal.closes_at
        else 0
    )
    return await page(
        request,
        "proposals/show.html",
        {
            "proposal": proposal,
            "rules": rules_view(proposal.rules, cnames),
            "method": method.value,
            "author": names.get(proposal.author_id or 0),
            "subject": names.get(proposal.subject_member_id or 0),
            "options": options,
            "takes_options": method in OPTION_METHODS,
            "votes": VOTES_BY_METHOD.get(method, ()),
            "vote_labels": {k: LazyText(v) for k, v in VOTE_LABELS.items()},
            "scores": SCORES,
            "ranked": method in RANKED_METHODS,
            "voting_open": voting_open,
            "seconds_left": seconds_left,
            "eligible": me.id in electorate,
            "electorate_size": turnout.electorate if turnout is not None else 0,
            "voters_so_far": turnout.voted if turnout is not None else 0,
            "voted": voted,
            "secret": secret,
            "my_choice": my_choice,
            "my_ballot_by": my_ballot_by,
            "givers": givers,
            "receipt": receipt,
            "receipt_for": receipt_for,
            "result": result,
            "chart": LazyChart(result.chart_title, result.rows, (await formats(request)).number)
            if result is not None
            else None,
            "rounds_chart": LazyRoundChart(
                result.method, result.option_labels, result.rounds, (await formats(request)).number
            )
            if result is not None and result.rounds
            else None,
            "ballots_cast": ballots_cast,
            "by_proxy": by_proxy,
            "proposed": proposed,
            "proposed_rules": proposed_rules,
            "allocation": await allocation_view(db, proposal, me),
            "comments": [
                (c, names.get(c.author_id or 0, "?")) for c in await comment.thread(db, proposal.id)
            ],
            "can_comment": proposal.status in comment.OPEN_FOR_COMMENTS,
            "can_edit": changer and proposal.status in EDITABLE_STATUSES,
            "can_schedule": changer and proposal.status is ProposalStatus.DRAFT,
            "can_write_outcome": changer and proposal.closed_at is not None,
            "forms": forms,
            "schedule": forms.get("schedule") or schedule_defaults(proposal.rules, now),
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


def _readable(exc: GovernanceError) -> dict[str, object]:
    """The error's parameters, with a proposal status shown as words in the page's language."""
    found = dict(exc.params)
    if isinstance(found.get("status"), str):
        try:
            found["status"] = status_label(ProposalStatus(found["status"]))
        except ValueError:
            pass
    return found


async def _refused(
    request: Request,
    proposal_id: int,
    me: Member,
    exc: GovernanceError,
    forms: Mapping[str, Mapping[str, str]] | None = None,
) -> Response:
    await db_of(request).rollback()
    return await proposal_page(
        request,
        proposal_id,
        me,
        error=exc.template,
        params=_readable(exc),
        status=http_status(exc),
        forms=forms,
    )


# --- Handlers --------------------------------------------------------------------------------


async def proposal_show(request: Request) -> Response:
    me = await require_admitted(request)
    proposal = await visible_proposal(request, me)
    return await proposal_page(request, proposal.id, me)


async def ballot_cast(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    proposal = await visible_proposal(request, me)
    proposal_id = proposal.id
    method = Method(proposal.rules.get("method", Method.MAJORITY.value))
    behalf = form.stripped("on_behalf_of")
    try:
        cast = await ballots.cast(
            db,
            proposal_id,
            await members.get(db, me.id),
            choice_from(method, form),
            now=ctx_of(request).clock.now(),
            reason=form.get("reason"),
            on_behalf_of=int(behalf) if behalf.isdigit() and int(behalf) != me.id else None,
        )
        await db.commit()
    except GovernanceError as exc:
        return await _refused(request, proposal_id, me, exc, {"vote": form.values})
    voter = None
    if cast.voter_id != me.id:
        voter = (await members.get(db, cast.voter_id)).display_name
    return await proposal_page(request, proposal_id, me, receipt=cast.receipt, receipt_for=voter)


Action = Callable[[AsyncSession, Proposal, Member, Form, datetime], Awaitable[object]]


async def _act(
    request: Request, action: Action, *, notice: str, anchor: str = "", keep: str | None = None
) -> Response:
    """Run one author/member action on a proposal from a posted form: on success redirect
    to the proposal with a notice; on a refusal show the page again with the error (and the
    form values under ``keep``), having stored nothing."""
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    proposal = await visible_proposal(request, me)
    proposal_id = proposal.id
    try:
        await action(db, proposal, await members.get(db, me.id), form, ctx_of(request).clock.now())
        await db.commit()
    except GovernanceError as exc:
        kept = {keep: form.values} if keep is not None else None
        return await _refused(request, proposal_id, me, exc, kept)
    return redirect(request, f"/proposals/{proposal_id}{anchor}", notice=notice)


async def comment_add(request: Request) -> Response:
    async def add(db: AsyncSession, p: Proposal, me: Member, form: Form, now: datetime) -> object:
        return await comment.add(db, p, me, form.get("body"), now=now)

    return await _act(request, add, notice="comment_added", anchor="#discussion", keep="comment")


async def proposal_schedule(request: Request) -> Response:
    async def schedule(
        db: AsyncSession, p: Proposal, me: Member, form: Form, now: datetime
    ) -> object:
        return await service.schedule(
            db,
            p,
            me,
            opens_at=parse_input_time(form.get("opens_at")),
            closes_at=parse_input_time(form.get("closes_at")),
            now=now,
        )

    return await _act(request, schedule, notice="proposal_scheduled", keep="schedule")


async def proposal_withdraw(request: Request) -> Response:
    async def withdraw(
        db: AsyncSession, p: Proposal, me: Member, form: Form, now: datetime
    ) -> object:
        return await service.withdraw(db, p, me, now=now)

    return await _act(request, withdraw, notice="proposal_withdrawn")


async def outcome_write(request: Request) -> Response:
    async def write(db: AsyncSession, p: Proposal, me: Member, form: Form, now: datetime) -> object:
        return await service.write_outcome(db, p, me, form.get("statement"), now=now)

    return await _act(request, write, notice="outcome_saved", anchor="#outcome", keep="outcome")


routes = [
    Route("/proposals/{proposal_id:int}", proposal_show, methods=["GET"]),
    Route("/proposals/{proposal_id:int}/ballot", ballot_cast, methods=["POST"]),
    Route("/proposals/{proposal_id:int}/comments", comment_add, methods=["POST"]),
    Route("/proposals/{proposal_id:int}/schedule", proposal_schedule, methods=["POST"]),
    Route("/proposals/{proposal_id:int}/withdraw", proposal_withdraw, methods=["POST"]),
    Route("/proposals/{proposal_id:int}/outcome", outcome_write, methods=["POST"]),
]
