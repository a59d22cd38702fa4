"""Translations: gettext catalogues compiled from the shipped ``.po`` files at start-up, and
language negotiation (member setting, then cookie, then ``Accept-Language``, then default)."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from governance.errors import GovernanceError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "fr": "Français"}
DOMAIN = "messages"

_NULL = gettext.NullTranslations()
_active: ContextVar[gettext.NullTranslations | None] = ContextVar(
    "coopfed_translations", default=None
)


class Catalogs:
    """All languages' translations, loaded once per app."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self._by_language: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
        for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            self._by_language[language] = gettext.GNUTranslations(buffer)

    def get(self, language: str) -> gettext.NullTranslations:
        return self._by_language.get(language, self._by_language["en"])

    @contextmanager
    def activate(self, language: str) -> Iterator[None]:
        reset = _active.set(self.get(language))
        try:
            yield
        finally:
            _active.reset(reset)


def gettext_(message: str) -> str:
    return (_active.get() or _NULL).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return (_active.get() or _NULL).ngettext(singular, plural, n)


def translate_error(exc: GovernanceError) -> str:
    """The error's message in the active language, parameters filled in."""
    return gettext_(exc.template) % exc.params


def best_language(accept_language: str | None, default: str = "en") -> str:
    """Pick a supported language from an ``Accept-Language`` header (RFC 9110 §12.5.4)."""
    if not accept_language:
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag:
            choices.append((-quality, position, tag))
    for _q, _p, tag in sorted(choices):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            return default
    return default
