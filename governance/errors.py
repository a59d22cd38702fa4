"""Errors raised by governance services.

Exception tree::

    GovernanceError            base; ``code`` is a stable machine-readable string
    ├── NotFound               the thing asked for does not exist           (HTTP 404)
    ├── Conflict               the request clashes with stored state         (HTTP 409)
    ├── Forbidden              the actor may not do this                     (HTTP 403)
    └── InvalidInput           a value is malformed or out of range          (HTTP 422)

``template`` is an English ``%(name)s`` message marked with ``N_`` so the web layer can show it
translated; ``params`` fill it in; ``message`` is the English text.
"""

from __future__ import annotations

from typing import Any


class GovernanceError(Exception):
    code = "governance_error"

    def __init__(self, template: str, *, code: str | None = None, **params: Any) -> None:
        self.template = template
        self.params = params
        # Always %-format, so '%%' means '%' whether or not there are parameters.
        self.message = template % params
        super().__init__(self.message)
        if code is not None:
            self.code = code


class NotFound(GovernanceError):
    code = "not_found"


class Conflict(GovernanceError):
    code = "conflict"


class Forbidden(GovernanceError):
    code = "forbidden"


class InvalidInput(GovernanceError):
    code = "invalid_input"
