"""Request and response bodies of the JSON API (pydantic models; also the OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from governance.member import Member
from governance.membership_class import MembershipClass


class RowOut(BaseModel):
    """A response model whose fields are read straight from a row's attributes of the same name."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: Any) -> Self:
        return cls.model_validate(row)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InstanceOut(BaseModel):
    name: str
    domain: str
    languages: list[str]
    set_up: bool


class MemberOut(BaseModel):
    id: int
    username: str
    display_name: str
    status: str
    role: str
    class_id: int | None
    admitted_at: datetime | None
    email: str | None = Field(None, description="Only shown to admins and to the member")
    language: str | None = Field(None, description="Only shown to admins and to the member")

    @classmethod
    def of(cls, member: Member, *, private: bool) -> MemberOut:
        return cls(
            id=member.id,
            username=member.username,
            display_name=member.display_name,
            status=member.status.value,
            role=member.role.value,
            class_id=member.class_id,
            admitted_at=member.admitted_at,
            email=member.email if private else None,
            language=member.language if private else None,
        )


class ProfileIn(Strict):
    display_name: str | None = Field(None, max_length=120)
    language: Literal["en", "fr"] | None = None


class MemberUpdateIn(Strict):
    role: Literal["member", "admin", "treasurer"] | None = None
    status: Literal["member", "suspended", "left"] | None = None
    class_id: int | None = Field(None, description="Membership class id; 0 removes the class")


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret; shown only in this response")


class InvitationIn(Strict):
    email: str = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=120)
    class_id: int | None = None
    language: Literal["en", "fr"] = "en"


class LinkOut(BaseModel):
    member: MemberOut
    url: str
    expires_at: datetime


class ClassIn(Strict):
    slug: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    vote_weight: str = Field(description='Decimal as a string, e.g. "1" or "0.5"')
    weight_cap: str | None = Field(None, description='Share of all weight, e.g. "0.2"')
    description: str = Field("", max_length=2000)


class ClassOut(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    vote_weight: str
    weight_cap: str | None

    @classmethod
    def of(cls, item: MembershipClass) -> ClassOut:
        return cls(
            id=item.id,
            slug=item.slug,
            name=item.name,
            description=item.description,
            vote_weight=str(item.vote_weight),
            weight_cap=None if item.weight_cap is None else str(item.weight_cap),
        )


class AuditOut(RowOut):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target: str | None
    details: dict[str, Any]
    ip: str | None
