"""The API's single error shape: ``{"error": {"code": ..., "message": ..., "details": [...]}}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from governance.errors import Conflict, Forbidden, GovernanceError, InvalidInput, NotFound


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


STATUS_BY_KIND: tuple[tuple[type[GovernanceError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (InvalidInput, 422),
)


def status_for(exc: GovernanceError) -> int:
    for kind, status in STATUS_BY_KIND:
        if isinstance(exc, kind):
            return status
    return 400


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
