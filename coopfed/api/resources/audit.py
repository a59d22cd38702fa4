"""The audit log (admins)."""

from __future__ import annotations

from coopfed.api.operation import Call, Operation
from coopfed.api.schemas import AuditOut
from governance import audit


async def list_audit(call: Call) -> list[AuditOut]:
    raw_before = call.request.query_params.get("before", "")
    raw_limit = call.request.query_params.get("limit", "50")
    limit = min(int(raw_limit), 500) if raw_limit.isdigit() and int(raw_limit) > 0 else 50
    events = await audit.page(
        call.db, limit=limit, before_id=int(raw_before) if raw_before.isdigit() else None
    )
    return [AuditOut.of(e) for e in events]


operations = [
    Operation(
        "GET",
        "/audit",
        list_audit,
        "Audit log, newest first (?before=<id>&limit=<n> to page)",
        "admin",
        "audit",
        response=list[AuditOut],
    ),
]
