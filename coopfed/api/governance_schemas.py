"""Request and response bodies of the governance API: proposals, ballots, proxies, comments,
bylaws and notifications (pydantic models; also their OpenAPI schemas).

Decimal figures (weights, shares, turnout) are strings, as everywhere in the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from coopfed.api.schemas import RowOut, Strict
from governance.ballot.query import Turnout
from governance.bylaws.store import BylawsVersion
from governance.comment import Comment
from governance.notification import Notification
from governance.proposal.model import Proposal, ProposalOption

# --- bylaws --------------------------------------------------------------------------------


class KindRulesOut(BaseModel):
    """A proposal kind's rules, as the bylaws state them (shares are exact strings such as
    ``"0.5"`` or ``"2/3"``)."""

    label: str
    method: str
    quorum: str
    threshold: str
    comparison: str
    notice_hours: int
    min_voting_hours: int
    max_voting_hours: int
    eligible_classes: list[str] = Field(description="Class short names; empty: every member")
    secret: bool
    proxies_allowed: bool
    max_proxies_per_holder: int
    effect: str
    max_choices: int | None
    seats: int = Field(1, description="Seats an STV election fills; 1 for every other method")


class ProposalRulesOut(KindRulesOut):
    class_caps: dict[str, str | None] | None = Field(
        None, description="Each class's cap on its share of all weight, frozen at opening"
    )


class BylawsVersionOut(BaseModel):
    version: int
    created_at: datetime
    adopted_by_proposal_id: int | None
    note: str
    title: str

    @classmethod
    def of(cls, row: BylawsVersion) -> BylawsVersionOut:
        return cls(
            version=row.version,
            created_at=row.created_at,
            adopted_by_proposal_id=row.adopted_by_proposal_id,
            note=row.note,
            title=str(row.document.get("title", "")),
        )


class BylawsOut(BylawsVersionOut):
    preset: str
    text: str
    kinds: dict[str, KindRulesOut]

    @classmethod
    def of(cls, row: BylawsVersion) -> BylawsOut:
        bylaws = row.bylaws.to_json()
        return cls(
            **BylawsVersionOut.of(row).model_dump(),
            preset=bylaws["preset"],
            text=bylaws["text"],
            kinds={key: KindRulesOut(**kind) for key, kind in bylaws["kinds"].items()},
        )


# --- proposals -----------------------------------------------------------------------------


class ProposalIn(Strict):
    kind: str = Field(min_length=1, max_length=40, description="A kind the bylaws define")
    title: str = Field(max_length=1000)
    body: str = Field("", description="Markdown")
    options: list[str] = Field(
        default_factory=list, max_length=1000, description="For option methods (approval, score)"
    )
    subject_member_id: int | None = Field(None, description="The applicant, for an admission")
    proposed_bylaws: dict[str, Any] | None = Field(
        None, description="The full proposed bylaws, for an amendment"
    )
    public: bool = False


class ProposalPatchIn(Strict):
    """Only the fields sent change; the kind is fixed."""

    title: str | None = Field(None, max_length=1000)
    body: str | None = None
    options: list[str] | None = Field(None, max_length=1000)
    subject_member_id: int | None = None
    proposed_bylaws: dict[str, Any] | None = None
    public: bool | None = None


class ScheduleIn(Strict):
    opens_at: AwareDatetime = Field(description="With a time zone, e.g. 2027-01-01T09:00:00Z")
    closes_at: AwareDatetime


class OutcomeIn(Strict):
    statement: str = Field(description="Markdown: what the co-op does now")


class OptionOut(BaseModel):
    key: str = Field(description='Used in ballots: "o1", "o2" …')
    label: str

    @classmethod
    def of(cls, option: ProposalOption) -> OptionOut:
        return cls(key=option.key, label=option.label)


class TurnoutOut(BaseModel):
    """Who has voted so far, as a head count (the weighted turnout is in the result)."""

    voters: int
    electorate: int
    share: str = Field(description='voters / electorate, a decimal string such as "0.6"')

    @classmethod
    def of(cls, turnout: Turnout) -> TurnoutOut:
        return cls(voters=turnout.voted, electorate=turnout.electorate, share=str(turnout.share))


class ProposalSummaryOut(BaseModel):
    id: int
    kind: str
    title: str
    status: str
    author_id: int | None
    created_at: datetime
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalSummaryOut:
        return cls(
            id=proposal.id,
            kind=proposal.kind,
            title=proposal.title,
            status=proposal.status.value,
            author_id=proposal.author_id,
            created_at=proposal.created_at,
            opens_at=proposal.opens_at,
            closes_at=proposal.closes_at,
            closed_at=proposal.closed_at,
        )


class ProposalOut(ProposalSummaryOut):
    body: str = Field(description="Markdown as written")
    body_html: str
    opened_at: datetime | None
    rules: ProposalRulesOut = Field(description="Fixed when the proposal is scheduled")
    bylaws_version: int | None
    options: list[OptionOut]
    subject_member_id: int | None
    proposed_bylaws: dict[str, Any] | None
    public: bool
    outcome_statement: str
    outcome_html: str
    turnout: TurnoutOut | None = Field(description="Once voting has opened")
    enactment: dict[str, Any] | None = Field(
        None,
        description='After pass, what enacting did: {"ok": true, ...} (e.g. "transaction_seq" '
        'of a posted allocation) or {"ok": false, "code", "message"} when it was refused',
    )

    @classmethod
    def build(
        cls, proposal: Proposal, options: list[ProposalOption], turnout: TurnoutOut | None
    ) -> ProposalOut:
        return cls(
            **ProposalSummaryOut.of(proposal).model_dump(),
            body=proposal.body_md,
            body_html=proposal.body_html,
            opened_at=proposal.opened_at,
            rules=ProposalRulesOut(**proposal.rules),
            bylaws_version=proposal.bylaws_version,
            options=[OptionOut.of(o) for o in options],
            subject_member_id=proposal.subject_member_id,
            proposed_bylaws=proposal.proposed_bylaws,
            public=proposal.public,
            outcome_statement=proposal.outcome_statement,
            outcome_html=proposal.outcome_html,
            turnout=turnout,
            enactment=proposal.enactment,
        )


class ResultOut(BaseModel):
    """The counted result, as stored at close; weights are scaled by the class caps."""

    proposal_id: int
    status: str
    method: str
    outcome: str
    totals: dict[str, str]
    eligible_weight: str
    cast_weight: str
    turnout: str = Field(description="cast_weight / eligible_weight")
    quorum_reached: bool
    threshold_reached: bool | None
    ballot_count: int
    class_factors: dict[str, str]
    winners: list[str]
    tied: list[str]
    ranking: list[list[str]]
    blocks: list[str] | int = Field(
        description="Consent: the blocking voters (roll-call) or their number (secret)"
    )
    details: dict[str, Any] = Field(
        description="By method (majority: yes_share, null when nobody voted yes or no; "
        "instant_runoff and stv: rounds, every round's totals and who was elected, eliminated "
        "or excluded, stv: quota; schulze: options, pairwise and strongest_paths as matrices "
        "in the order of options). Numbers are decimal strings."
    )

    @classmethod
    def of(cls, proposal: Proposal, result: dict[str, Any]) -> ResultOut:
        # Results counted before details kept null stored the string "None".
        details = {k: None if v == "None" else v for k, v in result.get("details", {}).items()}
        return cls(
            proposal_id=proposal.id,
            status=proposal.status.value,
            **{**result, "details": details},
        )


# --- ballots -------------------------------------------------------------------------------


class BallotIn(Strict):
    choice: dict[str, Any] = Field(
        description='By method: {"vote": "yes"|"no"|"abstain"}, {"vote": "agree"|"abstain"|'
        '"block"}, {"approve": ["o1"]}, {"scores": {"o1": 5}}, ranked methods (instant_runoff, '
        'schulze, stv): {"ranking": ["o2", "o1"]} (most preferred first, may be partial)'
    )
    reason: str = Field("", description="Required to block a consent decision")
    on_behalf_of: int | None = Field(None, description="Vote as proxy holder for this member")


class BallotCastOut(BaseModel):
    proposal_id: int
    voter_id: int
    cast_by_id: int
    secret: bool
    cast_at: datetime
    receipt: str = Field(
        description="Shown only in this response: keep it to check later that your ballot "
        "is counted"
    )


class MyBallotOut(BaseModel):
    """Your ballot: the choice on a roll-call vote; only whether you voted on a secret one."""

    voted: bool
    choice: dict[str, Any] | None = None
    reason: str | None = None
    cast_by_id: int | None = None
    cast_at: datetime | None = None


class BallotOut(BaseModel):
    voter_id: int
    voter: str = Field(description="The voter's username")
    cast_by_id: int
    choice: dict[str, Any]
    reason: str
    cast_at: datetime


class BallotsOut(BaseModel):
    proposal_id: int
    secret: bool
    turnout: TurnoutOut
    count: int | None = Field(None, description="Ballots counted; after close")
    ballots: list[BallotOut] | None = Field(None, description="After close, roll-call only")


class ReceiptIn(Strict):
    receipt: str = Field(min_length=1, max_length=200)


class SignedHeadOut(BaseModel):
    proposal: int
    size: int
    root: str = Field(description="RFC 9162 root hash, hex")
    result_digest: str = Field(description="SHA-256 of the result's RFC 8785 JSON, hex")
    signature: str = Field(description="Ed25519 signature of the head's RFC 8785 JSON, base64url")
    key_id: str | None
    public_key_multibase: str | None = Field(
        description="The signing key, as published in the co-op actor's assertionMethod"
    )


class InclusionProofOut(BaseModel):
    """RFC 9162 inclusion proof of the receipt's ballot in the proposal's ballot log."""

    leaf_index: int
    leaf: dict[str, Any] = Field(description="The ballot's log leaf (its canonical JSON is hashed)")
    leaf_hash: str = Field(description="SHA-256(0x00 || RFC 8785 JSON of the leaf), hex")
    tree_size: int
    root: str = Field(description="The root the audit path leads to: the signed one after close")
    audit_path: list[str] = Field(description="Sibling hashes, hex, deepest first (RFC 9162)")
    counted: bool = Field(description="False when a later ballot of the same voter supersedes it")
    proof_verified: bool = Field(description="The server recomputed the leaf hash and root")
    signed_head: SignedHeadOut | None = Field(
        description="The signed log head; null before close, when the log is not signed yet"
    )
    signature_verified: bool | None = Field(
        description="The head's signature verifies with its key; null before close"
    )


class ReceiptOut(BaseModel):
    found: bool = Field(description="Whether the ballot with this receipt is in the count")
    choice: dict[str, Any] | None
    proof: InclusionProofOut | None = Field(
        default=None, description="Its inclusion proof; null when no log leaf has this receipt"
    )


# --- comments ------------------------------------------------------------------------------


class CommentIn(Strict):
    body: str = Field(description="Markdown")


class CommentOut(BaseModel):
    id: int
    proposal_id: int
    author_id: int | None
    body: str
    body_html: str
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentOut:
        return cls(
            id=comment.id,
            proposal_id=comment.proposal_id,
            author_id=comment.author_id,
            body=comment.body_md,
            body_html=comment.body_html,
            created_at=comment.created_at,
        )


# --- proxies -------------------------------------------------------------------------------


class ProxyIn(Strict):
    holder_id: int = Field(description="The member who will vote for you")
    proposal_id: int | None = Field(None, description="One proposal; omit for a standing proxy")


class ProxyOut(RowOut):
    id: int
    giver_id: int
    holder_id: int
    proposal_id: int | None = Field(description="null: a standing proxy")
    created_at: datetime


class ProxiesOut(BaseModel):
    given: list[ProxyOut]
    held: list[ProxyOut]


# --- notifications -------------------------------------------------------------------------


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="proposal_opened, closing_soon or result_published")
    proposal_id: int | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, item: Notification) -> NotificationOut:
        return cls(
            id=item.id,
            kind=item.kind.value,
            proposal_id=item.proposal_id,
            created_at=item.created_at,
            read_at=item.read_at,
        )


class NotificationsOut(BaseModel):
    unread: int
    items: list[NotificationOut]


class MarkedReadOut(BaseModel):
    marked: int
