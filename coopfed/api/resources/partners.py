"""Partner co-ops: follows between co-ops, follow requests, announcements, the partner feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coopfed import partners
from coopfed.api.operation import Call, Operation
from coopfed.api.resources.proposals import admitted
from coopfed.api.schemas import RowOut, Strict
from federation import publishing
from federation.feed import service as feed
from federation.feed.service import FeedItem
from federation.follow import service as follows
from federation.follow.model import Follower, Following
from federation.policy import load_config
from governance.i18n import N_

TAG = "partners"
State = Literal["pending", "accepted", "rejected"]


class FollowIn(Strict):
    handle: str = Field(
        min_length=3,
        max_length=2048,
        description="The co-op's handle (@coop@partner.example) or its actor URL",
    )


class FollowingOut(RowOut):
    id: int
    actor_uri: str
    handle: str | None
    state: State
    created_at: datetime
    updated_at: datetime


class FollowerOut(RowOut):
    id: int
    actor_uri: str
    inbox_url: str
    state: State
    created_at: datetime
    decided_at: datetime | None


class PartnersOut(BaseModel):
    auto_accept_follows: bool
    following: list[FollowingOut]
    followers: list[FollowerOut] = Field(description="Accepted followers")
    requests: list[FollowerOut] = Field(description="Follow requests waiting for an admin")


class PartnerSettingsIn(Strict):
    auto_accept_follows: bool


class AnnouncementIn(Strict):
    text: str = Field(min_length=1, max_length=5000, description="Markdown")


class AnnouncementOut(BaseModel):
    activity_id: str
    object_id: str
    inboxes: int = Field(description="How many inboxes it is being delivered to")


class AnswerOut(BaseModel):
    name: str
    count: int = Field(description="Votes for this answer; 0 until the question is closed")


class FeedItemOut(BaseModel):
    uri: str
    kind: Literal["Question", "Note"]
    actor: str
    name: str
    content_html: str = Field(description="Sanitised HTML")
    url: str | None
    published: datetime | None
    answers: list[AnswerOut]
    multiple: bool = Field(description="Several answers may be chosen (anyOf)")
    end_time: datetime | None
    closed: datetime | None
    voters: int | None

    @classmethod
    def of(cls, item: FeedItem) -> FeedItemOut:
        return cls(
            uri=item.uri,
            kind="Question" if item.kind == "Question" else "Note",
            actor=item.actor,
            name=item.name,
            content_html=item.content_html,
            url=item.url,
            published=item.published,
            answers=[AnswerOut(name=a.name, count=a.count) for a in item.answers],
            multiple=item.multiple,
            end_time=item.end_time,
            closed=item.closed,
            voters=item.voters,
        )


def _following(row: Following) -> FollowingOut:
    return FollowingOut.of(row)


def _follower(row: Follower) -> FollowerOut:
    return FollowerOut.of(row)


async def list_partners(call: Call) -> PartnersOut:
    admitted(call)
    seen = await partners.overview(call.db)
    return PartnersOut(
        auto_accept_follows=seen.auto_accept,
        following=[_following(r) for r in seen.following],
        followers=[_follower(r) for r in seen.followers],
        requests=[_follower(r) for r in seen.requests],
    )


async def follow_coop(call: Call) -> FollowingOut:
    body: FollowIn = call.body
    row = await partners.follow(call.ctx, call.db, body.handle, by=call.caller.id)
    return _following(row)


async def unfollow_coop(call: Call) -> None:
    row = await call.db.get(Following, call.path_int("following_id"))
    if row is None:
        raise follows.FollowingNotFound(
            N_("This co-op does not follow %(actor)s."), actor=f"#{call.path_int('following_id')}"
        )
    await partners.unfollow(call.ctx, call.db, row.actor_uri, by=call.caller.id)


async def _decide(call: Call, step: str) -> FollowerOut:
    chosen = follows.approve if step == "approve" else follows.reject
    row = await chosen(
        call.db,
        call.path_int("follower_id"),
        urls=partners.urls_of(call.ctx),
        now=call.ctx.clock.now(),
        by=call.caller.id,
    )
    await call.db.commit()
    return _follower(row)


async def approve_follower(call: Call) -> FollowerOut:
    return await _decide(call, "approve")


async def reject_follower(call: Call) -> FollowerOut:
    return await _decide(call, "reject")


async def remove_follower(call: Call) -> None:
    await follows.remove_follower(
        call.db,
        call.path_int("follower_id"),
        urls=partners.urls_of(call.ctx),
        now=call.ctx.clock.now(),
        by=call.caller.id,
    )
    await call.db.commit()


async def update_settings(call: Call) -> PartnersOut:
    body: PartnerSettingsIn = call.body
    config = await load_config(call.db)
    if config is None or config.auto_accept_follows != body.auto_accept_follows:
        await call.ctx.policy.set_auto_accept_follows(
            call.db, body.auto_accept_follows, by=call.caller.id, now=call.ctx.clock.now()
        )
        await call.db.commit()
    return await list_partners(call)


async def announce(call: Call) -> AnnouncementOut:
    body: AnnouncementIn = call.body
    published = await publishing.publish_note(
        call.db,
        body.text,
        urls=partners.urls_of(call.ctx),
        now=call.ctx.clock.now(),
        by=call.caller.id,
    )
    await call.db.commit()
    payload = published.activity.payload
    return AnnouncementOut(
        activity_id=published.activity.activity_id,
        object_id=str(payload["object"]["id"]),
        inboxes=published.inboxes,
    )


async def partner_feed(call: Call) -> list[FeedItemOut]:
    admitted(call)
    return [FeedItemOut.of(item) for _row, item in await feed.recent(call.db, limit=100)]


operations = [
    Operation(
        "GET",
        "/partners",
        list_partners,
        "Co-ops this co-op follows, its followers and waiting follow requests",
        "member",
        TAG,
        response=PartnersOut,
    ),
    Operation(
        "POST",
        "/partners/following",
        follow_coop,
        "Follow a co-op by handle (@coop@host, looked up with WebFinger) or actor URL",
        "admin",
        TAG,
        body=FollowIn,
        response=FollowingOut,
        status=201,
        errors=(404, 409, 422),
    ),
    Operation(
        "DELETE",
        "/partners/following/{following_id:int}",
        unfollow_coop,
        "Unfollow a co-op (or withdraw the follow request)",
        "admin",
        TAG,
        status=204,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/partners/followers/{follower_id:int}/approve",
        approve_follower,
        "Approve a waiting follow request (sends Accept)",
        "admin",
        TAG,
        response=FollowerOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/partners/followers/{follower_id:int}/reject",
        reject_follower,
        "Reject a waiting follow request (sends Reject)",
        "admin",
        TAG,
        response=FollowerOut,
        errors=(404, 409),
    ),
    Operation(
        "DELETE",
        "/partners/followers/{follower_id:int}",
        remove_follower,
        "Remove a follower (sends Reject of its Follow)",
        "admin",
        TAG,
        status=204,
        errors=(404,),
    ),
    Operation(
        "PATCH",
        "/partners/settings",
        update_settings,
        "Accept follow requests at once, or have an admin approve each",
        "admin",
        TAG,
        body=PartnerSettingsIn,
        response=PartnersOut,
    ),
    Operation(
        "POST",
        "/partners/announcements",
        announce,
        "Publish an announcement (a Note) to the co-ops following this one",
        "admin",
        TAG,
        body=AnnouncementIn,
        response=AnnouncementOut,
        status=201,
        errors=(422,),
    ),
    Operation(
        "GET",
        "/partners/feed",
        partner_feed,
        "Questions (with results once closed) and notes from followed co-ops, newest first",
        "member",
        TAG,
        response=list[FeedItemOut],
    ),
]
