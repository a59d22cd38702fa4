"""Your in-app notifications: a proposal opened, closes soon, or has its result."""

from __future__ import annotations

from coopfed.api.governance_schemas import MarkedReadOut, NotificationOut, NotificationsOut
from coopfed.api.operation import Call, Operation
from governance import notification


async def list_notifications(call: Call) -> NotificationsOut:
    unread_only = call.request.query_params.get("unread") in ("1", "true")
    me = call.caller.id
    items = await notification.for_member(call.db, me, unread_only=unread_only)
    return NotificationsOut(
        unread=await notification.unread_count(call.db, me),
        items=[NotificationOut.of(n) for n in items],
    )


async def mark_read(call: Call) -> MarkedReadOut:
    marked = await notification.mark_all_read(call.db, call.caller.id, now=call.ctx.clock.now())
    await call.db.commit()
    return MarkedReadOut(marked=marked)


operations = [
    Operation(
        "GET",
        "/notifications",
        list_notifications,
        "Your latest 50 notifications, newest first (?unread=1 for unread only)",
        "member",
        "notifications",
        response=NotificationsOut,
    ),
    Operation(
        "POST",
        "/notifications/read",
        mark_read,
        "Mark all your notifications read",
        "member",
        "notifications",
        response=MarkedReadOut,
    ),
]
