"""The delivery queue for admins: state per remote host, recent deliveries, retry, unpause."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coopfed.api.operation import Call, Operation
from federation.delivery import admin
from federation.delivery.model import Delivery

TAG = "federation"

StatusName = Literal["pending", "delivered", "failed", "cancelled"]


class DeliveryHostOut(BaseModel):
    host: str = Field(description="Lower-case host[:port] of the remote inboxes")
    pending: int
    delivered: int
    failed: int
    cancelled: int
    paused: bool = Field(description="The circuit breaker holds the host: nothing is sent")
    paused_until: datetime | None = Field(
        description="When the next probe may go (set while paused; may be in the past)"
    )
    consecutive_failures: int
    last_error: str | None
    last_failure_at: datetime | None
    last_success_at: datetime | None
    signature_scheme: Literal["rfc9421", "cavage"] | None = Field(
        description="The HTTP signature scheme the host last accepted"
    )

    @classmethod
    def of(cls, summary: admin.HostSummary, now: datetime) -> DeliveryHostOut:
        scheme = summary.signature_scheme
        return cls(
            host=summary.host,
            pending=summary.pending,
            delivered=summary.delivered,
            failed=summary.failed,
            cancelled=summary.cancelled,
            paused=summary.paused(now),
            paused_until=summary.paused_until,
            consecutive_failures=summary.consecutive_failures,
            last_error=summary.last_error,
            last_failure_at=summary.last_failure_at,
            last_success_at=summary.last_success_at,
            signature_scheme="cavage" if scheme == "cavage" else "rfc9421" if scheme else None,
        )


class DeliveryOut(BaseModel):
    id: int
    activity_id: str
    activity_type: str
    inbox_url: str
    host: str
    status: StatusName
    attempts: int
    next_attempt_at: datetime
    last_status: int | None = Field(description="The HTTP status of the last answer")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: Delivery, activity_id: str, activity_type: str) -> DeliveryOut:
        return cls(
            id=row.id,
            activity_id=activity_id,
            activity_type=activity_type,
            inbox_url=row.inbox_url,
            host=row.host,
            status=row.status.value,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_status=row.last_status,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
        )


class RetriedOut(BaseModel):
    host: str
    requeued: int = Field(description="Pending and failed deliveries made due now")


async def list_hosts(call: Call) -> list[DeliveryHostOut]:
    now = call.ctx.clock.now()
    return [DeliveryHostOut.of(s, now) for s in await admin.host_summaries(call.db)]


async def list_deliveries(call: Call) -> list[DeliveryOut]:
    params = call.request.query_params
    status = admin.parse_status(params.get("status"))
    host = (params.get("host") or "").strip().lower() or None
    views = await admin.recent(call.db, host=host, status=status, limit=100)
    return [DeliveryOut.of(v.delivery, v.activity_id, v.activity_type) for v in views]


async def retry_delivery(call: Call) -> DeliveryOut:
    row = await admin.retry_delivery(
        call.db, call.path_int("delivery_id"), now=call.ctx.clock.now(), by=call.caller.id
    )
    await call.db.commit()
    (view,) = await admin.recent(call.db, limit=1, ids=[row.id])
    return DeliveryOut.of(view.delivery, view.activity_id, view.activity_type)


async def retry_host(call: Call) -> RetriedOut:
    host = call.request.path_params["host"]
    count = await admin.retry_host(call.db, host, now=call.ctx.clock.now(), by=call.caller.id)
    await call.db.commit()
    return RetriedOut(host=host.strip().lower(), requeued=count)


async def unpause_host(call: Call) -> DeliveryHostOut:
    host = call.request.path_params["host"].strip().lower()
    now = call.ctx.clock.now()
    await admin.unpause(call.db, host, now=now, by=call.caller.id)
    await call.db.commit()
    (summary,) = await admin.host_summaries(call.db, host)
    return DeliveryHostOut.of(summary, now)


operations = [
    Operation(
        "GET",
        "/federation/delivery-hosts",
        list_hosts,
        "Outgoing deliveries per remote host: pending, delivered, failed, paused, last error",
        "admin",
        TAG,
        response=list[DeliveryHostOut],
    ),
    Operation(
        "GET",
        "/federation/deliveries",
        list_deliveries,
        "The latest 100 deliveries (?host=peer.example&status=pending|delivered|failed|cancelled)",
        "admin",
        TAG,
        response=list[DeliveryOut],
        errors=(422,),
    ),
    Operation(
        "POST",
        "/federation/deliveries/{delivery_id:int}/retry",
        retry_delivery,
        "Send a pending or failed delivery at the worker's next round (a failed one gets a "
        "fresh three-day retry window)",
        "admin",
        TAG,
        response=DeliveryOut,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/federation/delivery-hosts/{host}/retry",
        retry_host,
        "Unpause a host and send all its pending and failed deliveries at the next round",
        "admin",
        TAG,
        response=RetriedOut,
        errors=(404,),
    ),
    Operation(
        "POST",
        "/federation/delivery-hosts/{host}/unpause",
        unpause_host,
        "Close a host's circuit breaker now",
        "admin",
        TAG,
        response=DeliveryHostOut,
        errors=(404,),
    ),
]
