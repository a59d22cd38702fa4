"""Reading posted forms: CSRF check first, then plain string fields."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from coopfed.web import csrf
from coopfed.web.viewer import Viewer, viewer
from governance.i18n import N_

MAX_FIELD = 250_000  # long enough for a full bylaws document
PASSWORDS_DIFFER = N_("The two passwords differ.")


class FormError(Exception):
    """The form is malformed (a file where text belongs, a field far too long)."""


@dataclass(frozen=True)
class Form:
    values: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def stripped(self, name: str) -> str:
        return self.get(name).strip()


async def posted(request: Request) -> tuple[Viewer, Form]:
    """The viewer and the form fields, after the CSRF check (raises :class:`csrf.CsrfError`)."""
    who = await viewer(request)
    data = await request.form(max_files=0, max_fields=100)
    values: dict[str, str] = {}
    for key, value in data.multi_items():
        if isinstance(value, UploadFile):
            raise FormError("files are not accepted here")
        if len(value) > MAX_FIELD:
            raise FormError(f"the field {key} is too long")
        values[key] = value
    csrf.check(request, who, values.get(csrf.FIELD))
    return who, Form(values)
