"""Request and response models of the surplus allocation API. Amounts are decimal strings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from coopfed.api.schemas import Strict
from governance.ledger.allocation import AllocationPreview
from governance.ledger.surplus.inputs import AllocationInputs


class MemberFiguresIn(Strict):
    member_id: int
    hours: str = Field("0", max_length=40, description="Hours worked in the year", examples=["1600"])
    pay: str = Field("0", max_length=40, description="Pay received in the year", examples=["30000"])
    capital: str | None = Field(
        None, max_length=40, description="Capital interest is paid on; default: from the books"
    )


class AllocationIn(Strict):
    fiscal_year: int = Field(examples=[2026])
    surplus: str = Field(max_length=40, description="The year's surplus", examples=["10000.00"])
    members: list[MemberFiguresIn] = Field(max_length=100_000)


class AllocationProposalIn(AllocationIn):
    title: str = Field("", max_length=200, description='Default "Surplus allocation <year>"')
    body: str = Field("", max_length=100_000, description="Markdown")


class MemberFiguresOut(BaseModel):
    member_id: int
    hours: str
    pay: str
    capital: str


class AllocationInputsOut(BaseModel):
    """The figures a proposal freezes: what is posted if it passes."""

    fiscal_year: int
    surplus: str
    commodity: str
    precision: int
    policy: dict[str, Any] = Field(description="The bylaws' policy (docs/allocation.md)")
    members: list[MemberFiguresOut]

    @classmethod
    def of(cls, inputs: AllocationInputs) -> AllocationInputsOut:
        return cls.model_validate(inputs.to_json())


class PreviewTotalsOut(BaseModel):
    surplus: str
    legal_reserve: str
    indivisible_reserve: str
    interest: str
    patronage: str
    cash: str = Field(description="Paid to members (interest and patronage)")
    credit: str = Field(description="Credited to capital accounts")


class PreviewRowOut(BaseModel):
    member_id: int
    hours: str
    pay: str
    capital: str
    interest: str
    patronage: str
    cash: str
    credit: str
    total: str


class PreviewOut(BaseModel):
    legal_form: str
    precision: int
    interest_limit: str = Field(description="What limited the interest on capital")
    totals: PreviewTotalsOut
    rows: list[PreviewRowOut]

    @classmethod
    def of(cls, preview: AllocationPreview) -> PreviewOut:
        return cls.model_validate(preview.to_json())


class AllocationPreviewOut(BaseModel):
    inputs: AllocationInputsOut
    preview: PreviewOut


class EnactmentOut(BaseModel):
    ok: bool
    transaction_seq: int | None = Field(None, description="The posted transaction, on success")
    code: str | None = Field(None, description="Why it was refused")
    message: str | None = None


class AllocationOut(AllocationPreviewOut):
    proposal_id: int
    status: str
    enactment: EnactmentOut | None = Field(
        None, description="After pass: the posted transaction, or why posting was refused"
    )


class AllocationDraftOut(BaseModel):
    """A starting point: the policy, the surplus to allocate, every member's capital."""

    fiscal_year: int
    commodity: str
    suggested_surplus: str = Field(
        description="The undistributed retained earnings once the year is closed; before, the "
        "year's income less expenses (close the year first: an allocation cannot exceed the "
        "retained earnings)"
    )
    year_closed: bool = Field(
        description="Whether a period ending on or after the year's last day is closed"
    )
    policy: dict[str, Any]
    members: list[MemberFiguresOut]
