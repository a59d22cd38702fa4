"""What the co-op publishes to its followers: public proposals as ``Question``s, and notes.

The federation side of governance: it reads proposals through governance's tables and
services and never the other way round.

- ``publish_opened``: a public proposal that opened goes out as ``Create{Question}`` with
  every count at 0 (ballots stay private while voting is open) and its ``endTime``;
- ``publish_closed``: once counted, ``Update{Question}`` with the result: each answer's
  count in ``replies.totalItems``, ``votersCount``, ``closed``, and the outcome in the text;
- ``publish_note``: an announcement (``Create{Note}``) an admin writes in Markdown.

Each call runs in the caller's transaction (the worker calls the proposal ones in the very
transaction that opens or closes the proposal) and writes the outbox row and one delivery per
follower inbox (``federation.delivery.outbox``). Activity ids are fixed per proposal and
step (``…/activities/proposal-7-create``), so a second call finds the first and publishes
nothing: the outbox row is the "published" marker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import vocabulary
from federation.actor import COOP_NAME, LocalUrls
from federation.context import ACTIVITYSTREAMS
from federation.delivery import outbox
from federation.keys import INSTANCE_ACTOR
from federation.models import OutboxActivity
from federation.vocabulary import AnswerOption, QuestionShape
from governance import audit, markdown
from governance.errors import InvalidInput
from governance.i18n import N_
from governance.proposal import service as proposals
from governance.proposal.model import Proposal, ProposalStatus
from governance.tally.types import Method

__all__ = [
    "PUBLISHED_STATUSES",
    "EmptyNote",
    "Published",
    "create_activity_id",
    "note_activity_id",
    "note_id",
    "proposal_url",
    "publish_closed",
    "publish_note",
    "publish_opened",
    "question_id",
    "question_of",
    "stored_note",
]

PUBLISHED_STATUSES: Final = frozenset(
    {
        ProposalStatus.OPEN,
        ProposalStatus.CLOSED,
        ProposalStatus.PASSED,
        ProposalStatus.REJECTED,
        ProposalStatus.NO_QUORUM,
    }
)
_MAX_NOTE: Final = 5000
_FIXED_ANSWERS: Final = {
    Method.MAJORITY: (("yes", "Yes"), ("no", "No"), ("abstain", "Abstain")),
    Method.SUPERMAJORITY: (("yes", "Yes"), ("no", "No"), ("abstain", "Abstain")),
    Method.CONSENT: (("agree", "Agree"), ("abstain", "Abstain"), ("block", "Block")),
}
_OUTCOME_TEXT: Final = {
    ProposalStatus.PASSED: "passed",
    ProposalStatus.REJECTED: "rejected",
    ProposalStatus.NO_QUORUM: "failed for lack of quorum",
    ProposalStatus.CLOSED: "closed",
}


class EmptyNote(InvalidInput):
    code = "empty_note"


def question_id(urls: LocalUrls, proposal_id: int) -> str:
    """The ``Question``'s id: answers AS2 (and sends browsers to the proposal's page)."""
    return f"{urls.base_url}/questions/{proposal_id}"


def proposal_url(urls: LocalUrls, proposal_id: int) -> str:
    return f"{urls.base_url}/proposals/{proposal_id}"


def create_activity_id(urls: LocalUrls, proposal_id: int) -> str:
    return urls.activity(f"proposal-{proposal_id}-create")


def _result_activity_id(urls: LocalUrls, proposal_id: int) -> str:
    return urls.activity(f"proposal-{proposal_id}-result")


def note_id(urls: LocalUrls, uid: str) -> str:
    return f"{urls.base_url}/notes/{uid}"


def note_activity_id(urls: LocalUrls, uid: str) -> str:
    return urls.activity(f"note-{uid}")


def _count(value: Any) -> int:
    try:
        return max(int(Decimal(str(value)).to_integral_value()), 0)
    except (InvalidOperation, ValueError):
        return 0


async def question_of(session: AsyncSession, proposal: Proposal, urls: LocalUrls) -> dict[str, Any]:
    """The proposal as a ``Question`` as it stands now (counts only once it is counted)."""
    method = Method(proposal.rules.get("method", Method.MAJORITY.value))
    result = proposal.result if proposal.status is not ProposalStatus.OPEN else None
    totals: dict[str, Any] = (result or {}).get("totals") or {}
    fixed = _FIXED_ANSWERS.get(method)
    if fixed is not None:
        answers = [(key, label) for key, label in fixed]
        multiple = False
    else:
        options = await proposals.options_of(session, proposal.id)
        answers = [(option.key, option.label) for option in options]
        multiple = not (method is Method.APPROVAL and proposal.rules.get("max_choices") == 1)
    closed = proposal.closed_at if result is not None else None
    result_html = ""
    if result is not None:
        outcome = _OUTCOME_TEXT.get(proposal.status, proposal.status.value)
        result_html = f"<p>Result: {outcome}; {int(result.get('ballot_count') or 0)} ballots.</p>"
    shape = QuestionShape(
        object_id=question_id(urls, proposal.id),
        url=proposal_url(urls, proposal.id),
        actor=urls.actor(COOP_NAME),
        followers=urls.followers(COOP_NAME),
        name=proposal.title,
        content_html=proposal.body_html or markdown.render(proposal.title),
        options=[AnswerOption(label, _count(totals.get(key, 0))) for key, label in answers],
        multiple=multiple,
        published=proposal.opened_at or proposal.created_at,
        end_time=proposal.closes_at,
        closed=closed,
        voters=int(result.get("ballot_count") or 0) if result is not None else None,
        result_html=result_html,
        updated=closed,
    )
    return vocabulary.question_to_as(shape)


@dataclass(frozen=True, slots=True)
class Published:
    """An activity put in the outbox, and how many inboxes it goes to."""

    activity: OutboxActivity
    inboxes: int


async def _already(session: AsyncSession, activity_id: str) -> bool:
    found = await session.scalar(
        select(OutboxActivity.id).where(OutboxActivity.activity_id == activity_id)
    )
    return found is not None


async def _to_followers(
    session: AsyncSession, activity: dict[str, Any], now: datetime
) -> Published:
    inboxes = await outbox.followers_inboxes(session, COOP_NAME)
    row = await outbox.publish(
        session, actor=INSTANCE_ACTOR, activity=activity, inboxes=inboxes, now=now, public=True
    )
    return Published(row, len(inboxes))


async def publish_opened(
    session: AsyncSession, proposal: Proposal, *, urls: LocalUrls, now: datetime
) -> Published | None:
    """``Create{Question}`` for a public proposal that is open; None when the proposal is
    not public, not open, or was published already."""
    activity_id = create_activity_id(urls, proposal.id)
    if not proposal.public or proposal.status is not ProposalStatus.OPEN:
        return None
    if await _already(session, activity_id):
        return None
    question = await question_of(session, proposal, urls)
    activity = vocabulary.create_to_as(
        activity_id, actor=urls.actor(COOP_NAME), obj=question, published=now
    )
    return await _to_followers(session, activity, now)


async def publish_closed(
    session: AsyncSession, proposal: Proposal, *, urls: LocalUrls, now: datetime
) -> Published | None:
    """``Update{Question}`` with the result of a public proposal that was published when it
    opened; None otherwise, or when the result went out already."""
    if not proposal.public or proposal.result is None:
        return None
    if proposal.status not in PUBLISHED_STATUSES or proposal.status is ProposalStatus.OPEN:
        return None
    if not await _already(session, create_activity_id(urls, proposal.id)):
        return None  # never announced: its followers have nothing to update
    activity_id = _result_activity_id(urls, proposal.id)
    if await _already(session, activity_id):
        return None
    question = await question_of(session, proposal, urls)
    activity = vocabulary.update_to_as(
        activity_id, actor=urls.actor(COOP_NAME), obj=question, updated=now
    )
    return await _to_followers(session, activity, now)


async def publish_note(
    session: AsyncSession, text: str, *, urls: LocalUrls, now: datetime, by: int | None
) -> Published:
    """An announcement (Markdown) to the co-op's followers; audited."""
    text = text.strip()
    if not text:
        raise EmptyNote(N_("Write the announcement before publishing it."))
    if len(text) > _MAX_NOTE:
        raise EmptyNote(N_("An announcement has at most %(limit)s characters."), limit=_MAX_NOTE)
    uid = uuid.uuid4().hex
    note = vocabulary.note_to_as(
        object_id=note_id(urls, uid),
        actor=urls.actor(COOP_NAME),
        followers=urls.followers(COOP_NAME),
        content_html=markdown.render(text),
        published=now,
    )
    activity = vocabulary.create_to_as(
        note_activity_id(urls, uid), actor=urls.actor(COOP_NAME), obj=note, published=now
    )
    published = await _to_followers(session, activity, now)
    await audit.record(
        session,
        now=now,
        actor_id=by,
        action="federation.note",
        target=note["id"][:255],
        details={"inboxes": published.inboxes},
    )
    return published


async def stored_note(session: AsyncSession, urls: LocalUrls, uid: str) -> dict[str, Any] | None:
    """The ``Note`` published under ``uid`` (with its ``@context``), or None."""
    row = await session.scalar(
        select(OutboxActivity).where(OutboxActivity.activity_id == note_activity_id(urls, uid))
    )
    if row is None or not isinstance(row.payload.get("object"), dict):
        return None
    return {"@context": ACTIVITYSTREAMS, **row.payload["object"]}
