"""Federation administration: the block list, allow-list mode, signed fetch, the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coopfed.api.errors import ApiError
from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import Strict
from federation import inbox
from federation import policy as policies
from federation.models import FederationMode, HostPolicy, HostRule, InboxItem, InboxStatus

TAG = "federation"


class HostRuleIn(Strict):
    host: str = Field(min_length=1, max_length=300, description="A host name or IP address")
    note: str = Field("", max_length=500)


class HostRuleOut(BaseModel):
    host: str
    rule: Literal["block", "allow"]
    note: str
    created_at: datetime
    created_by: int | None

    @classmethod
    def of(cls, row: HostPolicy) -> HostRuleOut:
        return cls(
            host=row.host,
            rule="block" if row.rule is HostRule.BLOCK else "allow",
            note=row.note,
            created_at=row.created_at,
            created_by=row.created_by,
        )


class FederationPolicyIn(Strict):
    mode: Literal["open", "allowlist"] | None = None
    require_signed_fetch: bool | None = None


class FederationPolicyOut(BaseModel):
    mode: Literal["open", "allowlist"]
    require_signed_fetch: bool
    blocked: list[HostRuleOut]
    allowed: list[HostRuleOut]


class InboxItemOut(BaseModel):
    id: int
    activity_id: str
    activity_type: str
    actor: str
    recipient: str | None = Field(description="The local actor addressed; null: shared inbox")
    received_at: datetime
    status: Literal["pending", "done", "failed"]
    attempts: int
    error: str | None
    processed_at: datetime | None

    @classmethod
    def of(cls, item: InboxItem) -> InboxItemOut:
        return cls(
            id=item.id,
            activity_id=item.activity_id,
            activity_type=item.activity_type,
            actor=item.actor,
            recipient=item.recipient,
            received_at=item.received_at,
            status=item.status.value,
            attempts=item.attempts,
            error=item.error,
            processed_at=item.processed_at,
        )


async def _policy_out(call: Call) -> FederationPolicyOut:
    config = await policies.load_config(call.db)
    blocked, allowed = policies.rules_by_kind(await policies.list_rules(call.db))
    return FederationPolicyOut(
        mode="allowlist"
        if config is not None and config.mode is FederationMode.ALLOWLIST
        else "open",
        require_signed_fetch=config.require_signed_fetch if config is not None else False,
        blocked=[HostRuleOut.of(r) for r in blocked],
        allowed=[HostRuleOut.of(r) for r in allowed],
    )


async def get_federation_policy(call: Call) -> FederationPolicyOut:
    return await _policy_out(call)


async def update_federation_policy(call: Call) -> FederationPolicyOut:
    body: FederationPolicyIn = call.body
    policy, now = call.ctx.policy, call.ctx.clock.now()
    config = await policies.load_config(call.db)
    if body.mode is not None and (config is None or config.mode.value != body.mode):
        await policy.set_mode(call.db, FederationMode(body.mode), by=call.caller.id, now=now)
    if body.require_signed_fetch is not None and (
        config is None or config.require_signed_fetch != body.require_signed_fetch
    ):
        await policy.set_require_signed_fetch(
            call.db, body.require_signed_fetch, by=call.caller.id, now=now
        )
    await call.db.commit()
    return await _policy_out(call)


async def block_host(call: Call) -> HostRuleOut:
    body: HostRuleIn = call.body
    row = await call.ctx.policy.block(
        call.db, body.host, note=body.note, by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return HostRuleOut.of(row)


async def unblock_host(call: Call) -> None:
    await call.ctx.policy.unblock(
        call.db, call.request.path_params["host"], by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()


async def allow_host(call: Call) -> HostRuleOut:
    body: HostRuleIn = call.body
    row = await call.ctx.policy.allow(
        call.db, body.host, note=body.note, by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return HostRuleOut.of(row)


async def disallow_host(call: Call) -> None:
    await call.ctx.policy.disallow(
        call.db, call.request.path_params["host"], by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()


async def list_inbox_items(call: Call) -> list[InboxItemOut]:
    raw = call.request.query_params.get("status")
    status = None
    if raw is not None:
        allowed = [s.value for s in InboxStatus]
        if raw not in allowed:
            raise ApiError(
                422,
                "invalid_input",
                f"status: use one of {', '.join(allowed)}.",
                [{"field": "status", "problem": f"not one of {', '.join(allowed)}"}],
            )
        status = InboxStatus(raw)
    items = await inbox.recent(call.db, status=status, limit=100)
    return [InboxItemOut.of(item) for item in items]


async def retry_inbox_item(call: Call) -> InboxItemOut:
    item = await inbox.retry(
        call.db, call.path_int("item_id"), by=call.caller.id, now=call.ctx.clock.now()
    )
    await call.db.commit()
    return InboxItemOut.of(item)


operations = [
    Operation(
        "GET",
        "/federation/policy",
        get_federation_policy,
        "Federation mode, signed-fetch switch, blocked and allowed hosts",
        "admin",
        TAG,
        response=FederationPolicyOut,
    ),
    Operation(
        "PATCH",
        "/federation/policy",
        update_federation_policy,
        "Change the federation mode (open or allowlist) or the signed-fetch switch",
        "admin",
        TAG,
        body=FederationPolicyIn,
        response=FederationPolicyOut,
    ),
    Operation(
        "POST",
        "/federation/blocked-hosts",
        block_host,
        "Block a host (and its subdomains)",
        "admin",
        TAG,
        body=HostRuleIn,
        response=HostRuleOut,
        status=201,
    ),
    Operation(
        "DELETE",
        "/federation/blocked-hosts/{host}",
        unblock_host,
        "Unblock a host",
        "admin",
        TAG,
        status=204,
        errors=(404, 422),
    ),
    Operation(
        "POST",
        "/federation/allowed-hosts",
        allow_host,
        "Allow a host (and its subdomains) in allow-list mode",
        "admin",
        TAG,
        body=HostRuleIn,
        response=HostRuleOut,
        status=201,
    ),
    Operation(
        "DELETE",
        "/federation/allowed-hosts/{host}",
        disallow_host,
        "Remove a host from the allow list",
        "admin",
        TAG,
        status=204,
        errors=(404, 422),
    ),
    Operation(
        "GET",
        "/federation/inbox",
        list_inbox_items,
        "The latest 100 inbox items (?status=pending|done|failed)",
        "admin",
        TAG,
        response=list[InboxItemOut],
        errors=(422,),
    ),
    Operation(
        "POST",
        "/federation/inbox/{item_id:int}/retry",
        retry_inbox_item,
        "Queue a failed inbox item again",
        "admin",
        TAG,
        response=InboxItemOut,
        errors=(404, 409),
    ),
]
