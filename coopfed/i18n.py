"""Translations: gettext catalogues compiled from the shipped ``.po`` files at start-up, and
language negotiation (member setting, then cookie, then ``Accept-Language``, then default)."""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4)
def _compile(locale_dir: Path) -> dict[str, gettext.NullTranslations]:
    """Compile the shipped ``.po`` files once per process (they do not change at run time)."""
    by_language: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        by_language[language] = gettext.GNUTranslations(buffer)
    return by_language


class Catalogs:
    """All languages' translations."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self._by_language = _compile(locale_dir)

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
    refused: set[str] = set()
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag:
            choices.append((-quality, position, tag))
        elif tag:
            refused.add(tag.split("-")[0])
    for _q, _p, tag in sorted(choices):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            # Any language will do, except those refused with q=0.
            allowed = [lang for lang in (default, *LANGUAGES) if lang not in refused]
            return allowed[0] if allowed else default
    return default
