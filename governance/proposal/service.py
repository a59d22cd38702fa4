"""Drafting, editing, scheduling and withdrawing proposals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import audit, markdown
from governance import member as members
from governance.bylaws import store as bylaws_store
from governance.bylaws.document import Effect, ProposalKind, parse_bylaws
from governance.errors import Conflict, Forbidden, InvalidInput, NotFound
from governance.i18n import N_
from governance.ledger.surplus import inputs as surplus_inputs
from governance.member import Member, Status
from governance.proposal.model import (
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    Proposal,
    ProposalOption,
    ProposalStatus,
)
from governance.tally.types import OPTION_METHODS

MAX_OPTIONS = 100
MAX_BODY = 100_000

# The words a list of proposals is filtered by (the API's ``?status=``, the CLI's
# ``--status``), and the stored statuses each covers: "closed" is every closed outcome.
STATUS_FILTERS: Final[Mapping[str, frozenset[ProposalStatus]]] = MappingProxyType(
    {
        "draft": frozenset({ProposalStatus.DRAFT}),
        "scheduled": frozenset({ProposalStatus.SCHEDULED}),
        "open": frozenset({ProposalStatus.OPEN}),
        "closed": frozenset({ProposalStatus.CLOSED, *FINAL_STATUSES}),
        "withdrawn": frozenset({ProposalStatus.WITHDRAWN}),
    }
)


@dataclass(frozen=True)
class Draft:
    """What an author writes; validated against the current bylaws' kind."""

    kind: str
    title: str
    body: str = ""
    options: tuple[str, ...] = ()
    subject_member_id: int | None = None
    proposed_bylaws: dict[str, Any] | None = None
    public: bool = False
    payload: dict[str, Any] | None = None  # allocate_surplus: the frozen allocation inputs


async def get(session: AsyncSession, proposal_id: int) -> Proposal:
    found = await session.get(Proposal, proposal_id)
    if found is None:
        raise NotFound(N_("There is no proposal with id %(id)s."), id=proposal_id)
    return found


async def options_of(session: AsyncSession, proposal_id: int) -> list[ProposalOption]:
    rows = await session.scalars(
        select(ProposalOption)
        .where(ProposalOption.proposal_id == proposal_id)
        .order_by(ProposalOption.position)
    )
    return list(rows.all())


async def listing(
    session: AsyncSession, statuses: set[ProposalStatus] | None = None, *, limit: int = 200
) -> list[Proposal]:
    query = select(Proposal).order_by(Proposal.id.desc()).limit(limit)
    if statuses:
        query = query.where(Proposal.status.in_(statuses))
    return list((await session.scalars(query)).all())


def _may_edit(proposal: Proposal, actor: Member) -> None:
    if actor.id != proposal.author_id and not actor.is_admin:
        raise Forbidden(
            N_("Only the author or an admin may change this proposal."), code="not_author"
        )


async def _validate(session: AsyncSession, kind: ProposalKind, draft: Draft) -> None:
    title = " ".join(draft.title.split())
    if not title or len(title) > 200:
        raise InvalidInput(N_("The title must have 1 to 200 characters."), code="invalid_title")
    if len(draft.body) > MAX_BODY:
        raise InvalidInput(N_("The text is too long (%(n)s characters at most)."), n=MAX_BODY)
    labels = [" ".join(o.split()) for o in draft.options if o.strip()]
    if kind.method in OPTION_METHODS:
        if len(labels) < 2 or len(labels) > MAX_OPTIONS:
            raise InvalidInput(
                N_("This kind of proposal needs 2 to %(n)s options."),
                code="invalid_options",
                n=MAX_OPTIONS,
            )
        if len(set(labels)) != len(labels) or any(len(label) > 200 for label in labels):
            raise InvalidInput(
                N_("Options must be different and at most 200 characters long."),
                code="invalid_options",
            )
        if len(labels) < kind.seats:
            raise InvalidInput(
                N_("This election fills %(seats)s seats: give at least as many options."),
                code="invalid_options",
                seats=kind.seats,
            )
    elif labels:
        raise InvalidInput(
            N_("This kind of proposal is a yes/no question and takes no options."),
            code="invalid_options",
        )
    if kind.effect is Effect.ADMIT_MEMBER:
        if draft.subject_member_id is None:
            raise InvalidInput(
                N_("Choose the applicant this admission proposal is about."), code="no_subject"
            )
        subject = await members.get(session, draft.subject_member_id)
        if subject.status is not Status.APPLICANT:
            raise InvalidInput(
                N_("%(name)s is not an applicant."), code="not_applicant", name=subject.display_name
            )
    if kind.effect is Effect.AMEND_BYLAWS:
        if draft.proposed_bylaws is None:
            raise InvalidInput(
                N_("A bylaws amendment must include the full proposed bylaws."),
                code="no_bylaws_text",
            )
        parse_bylaws(draft.proposed_bylaws)
    if kind.effect is Effect.ALLOCATE_SURPLUS:
        if draft.payload is None:
            raise InvalidInput(
                N_(
                    "A surplus allocation carries its figures: propose it from the ledger's "
                    "allocation page or its API (POST /api/v1/ledger/allocations)."
                ),
                code="no_allocation",
            )
        surplus_inputs.from_json(draft.payload).allocate()


async def _set_options(session: AsyncSession, proposal: Proposal, labels: tuple[str, ...]) -> None:
    await session.execute(delete(ProposalOption).where(ProposalOption.proposal_id == proposal.id))
    for position, label in enumerate(label for label in labels if label.strip()):
        session.add(
            ProposalOption(
                proposal_id=proposal.id,
                key=f"o{position + 1}",
                position=position,
                label=" ".join(label.split()),
            )
        )
    await session.flush()


async def create(session: AsyncSession, author: Member, draft: Draft, *, now: datetime) -> Proposal:
    if author.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members can make proposals."), code="not_member")
    kind = (await bylaws_store.current(session)).kind(draft.kind)
    await _validate(session, kind, draft)
    proposal = Proposal(
        kind=kind.key,
        title=" ".join(draft.title.split()),
        body_md=draft.body,
        body_html=markdown.render(draft.body),
        status=ProposalStatus.DRAFT,
        author_id=author.id,
        created_at=now,
        rules=kind.to_json(),
        subject_member_id=draft.subject_member_id if kind.effect is Effect.ADMIT_MEMBER else None,
        proposed_bylaws=draft.proposed_bylaws if kind.effect is Effect.AMEND_BYLAWS else None,
        payload=draft.payload if kind.effect is Effect.ALLOCATE_SURPLUS else None,
        public=draft.public,
    )
    session.add(proposal)
    await session.flush()
    await _set_options(session, proposal, draft.options)
    await audit.record(
        session,
        now=now,
        actor_id=author.id,
        action="proposal.create",
        target=f"proposal:{proposal.id}",
        details={"kind": kind.key},
    )
    return proposal


async def update(
    session: AsyncSession, proposal: Proposal, actor: Member, draft: Draft, *, now: datetime
) -> Proposal:
    """Change a draft or scheduled proposal. Once voting opens the question is fixed."""
    _may_edit(proposal, actor)
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(
            N_("The question cannot change once voting has opened."), code="not_editable"
        )
    if draft.kind != proposal.kind:
        raise InvalidInput(
            N_("The kind of a proposal cannot change; withdraw it and make a new one."),
            code="kind_fixed",
        )
    kind = (await bylaws_store.current(session)).kind(proposal.kind)
    if kind.effect is Effect.ALLOCATE_SURPLUS and draft.payload is None:
        # Editing the text keeps the figures (they change only by a new proposal).
        draft = replace(draft, payload=proposal.payload)
    await _validate(session, kind, draft)
    proposal.title = " ".join(draft.title.split())
    proposal.body_md, proposal.body_html = draft.body, markdown.render(draft.body)
    proposal.subject_member_id = (
        draft.subject_member_id if kind.effect is Effect.ADMIT_MEMBER else None
    )
    proposal.proposed_bylaws = draft.proposed_bylaws if kind.effect is Effect.AMEND_BYLAWS else None
    proposal.payload = draft.payload if kind.effect is Effect.ALLOCATE_SURPLUS else None
    proposal.public = draft.public
    await _set_options(session, proposal, draft.options)
    await audit.record(
        session,
        now=now,
        actor_id=actor.id,
        action="proposal.update",
        target=f"proposal:{proposal.id}",
    )
    return proposal


async def schedule(
    session: AsyncSession,
    proposal: Proposal,
    actor: Member,
    *,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime,
) -> Proposal:
    """Announce the vote: the notice period and the voting period come from the bylaws."""
    _may_edit(proposal, actor)
    if proposal.status is not ProposalStatus.DRAFT:
        raise Conflict(N_("Only a draft can be scheduled."), code="not_draft")
    version = await bylaws_store.current_version(session)
    if version is None:
        raise NotFound(
            N_("This co-op has no bylaws yet; an admin chooses them at setup."), code="no_bylaws"
        )
    kind = version.bylaws.kind(proposal.kind)
    earliest = now + timedelta(hours=kind.notice_hours)
    if opens_at < earliest - timedelta(seconds=1):
        raise InvalidInput(
            N_(
                "The bylaws require %(hours)s hours' notice: voting can open at %(earliest)s UTC "
                "at the earliest."
            ),
            code="notice_too_short",
            hours=kind.notice_hours,
            earliest=earliest.strftime("%Y-%m-%d %H:%M"),
        )
    length = closes_at - opens_at
    if length < timedelta(hours=kind.min_voting_hours) or length > timedelta(
        hours=kind.max_voting_hours
    ):
        raise InvalidInput(
            N_("Voting must last between %(low)s and %(high)s hours for this kind of proposal."),
            code="bad_voting_period",
            low=kind.min_voting_hours,
            high=kind.max_voting_hours,
        )
    proposal.rules = kind.to_json()
    proposal.bylaws_version = version.version
    proposal.opens_at, proposal.closes_at = opens_at, closes_at
    proposal.status = ProposalStatus.SCHEDULED
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=actor.id,
        action="proposal.schedule",
        target=f"proposal:{proposal.id}",
        details={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
    )
    return proposal


async def withdraw(
    session: AsyncSession, proposal: Proposal, actor: Member, *, now: datetime
) -> Proposal:
    _may_edit(proposal, actor)
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(
            N_("Only a draft or scheduled proposal can be withdrawn."), code="not_withdrawable"
        )
    proposal.status = ProposalStatus.WITHDRAWN
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor_id=actor.id,
        action="proposal.withdraw",
        target=f"proposal:{proposal.id}",
    )
    return proposal


async def write_outcome(
    session: AsyncSession, proposal: Proposal, actor: Member, text: str, *, now: datetime
) -> Proposal:
    """The outcome statement, written after close by the author or an admin."""
    _may_edit(proposal, actor)
    if proposal.closed_at is None:
        raise Conflict(N_("The outcome is written after the vote closes."), code="not_closed")
    if len(text) > MAX_BODY:
        raise InvalidInput(N_("The text is too long (%(n)s characters at most)."), n=MAX_BODY)
    proposal.outcome_statement, proposal.outcome_html = text, markdown.render(text)
    await session.flush()
    return proposal
