"""The French catalogue covers every translatable message, and its translations are well formed.

Messages are extracted here, at test time, with the mapping in ``babel.cfg`` (the one
``scripts/update-translations.sh`` gives ``pybabel extract``), so a string added to a template or
marked with ``N_``/``_`` in Python fails this test until it has a French translation. To fix such
a failure::

    bash scripts/update-translations.sh      # adds the new msgids to messages.po, msgstr empty
    $EDITOR coopfed/locale/fr/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from coopfed.i18n import Catalogs

ROOT = Path(__file__).resolve().parents[3]
BABEL_CFG = ROOT / "babel.cfg"
SOURCE_LOCALE_DIR = ROOT / "coopfed" / "locale"
FRENCH_PO = SOURCE_LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
SOURCE_DIRS = ("coopfed", "governance", "federation")
# Keep in step with scripts/update-translations.sh (pybabel extract --no-default-keywords -k ...).
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PYBABEL_IGNORE_DIRS = (".*", "._")  # pybabel extract's default --ignore-dirs

# What a '%' may start in a message: a named placeholder such as %(name)s or %(num)d, or '%%'.
PERCENT = re.compile(r"%(?:\((?P<name>\w+)\)[#0 +-]*\d*(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa])|%)")
BACKQUOTED = re.compile(r"`[^`]+`")


def _parse_mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    # parse_mapping_cfg since Babel 2.15; parse_mapping (deprecated there) before.
    parse: Any = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with BABEL_CFG.open(encoding="utf-8") as handle:
        method_map, options_map = parse(handle, str(BABEL_CFG))
    return method_map, options_map


def _in_source_dirs(path: str) -> bool:
    """Walk only the source packages, skipping what ``pybabel extract`` skips by default."""
    relative = Path(path).relative_to(ROOT)
    if relative.parts[0] not in SOURCE_DIRS:
        return False
    return not any(fnmatch.fnmatch(relative.name, pattern) for pattern in PYBABEL_IGNORE_DIRS)


def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every message in the sources, with where it occurs (``file:line``)."""
    method_map, options_map = _parse_mapping()
    found: dict[str | tuple[str, ...], list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=_in_source_dirs,
    ):
        found[message].append(f"{filename}:{lineno}")
    return found


def french() -> Catalog:
    with FRENCH_PO.open("rb") as handle:
        return read_po(handle, locale="fr")


def translations(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def pairs(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs; for plurals, msgstr[0] goes with msgid, the rest with
    msgid_plural."""
    if isinstance(message.id, str):
        assert isinstance(message.string, str)
        return [(message.id, message.string)]
    singular, plural = message.id[0], message.id[1]
    assert not isinstance(message.string, str | None)
    return [(singular if i == 0 else plural, text) for i, text in enumerate(message.string)]


def placeholders(text: str) -> tuple[set[tuple[str, str]], str]:
    """The named placeholders in a message, and what is left once they and '%%' are removed."""
    names = {(m["name"], m["conv"]) for m in PERCENT.finditer(text) if m["name"]}
    return names, PERCENT.sub("", text)


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _show(msgid: object) -> str:
    return repr(msgid if isinstance(msgid, str) else msgid[0])  # type: ignore[index]


def test_the_sources_have_messages_to_translate() -> None:
    found = extracted()
    assert "Sign in" in found  # a template string
    assert "Welcome back." in found  # a local `_` marker in coopfed/web
    assert "There is no member with id %(id)s." in found  # an N_ marker in governance
    assert ("%(num)d member", "%(num)d members") in found  # ngettext in a template


def test_every_template_string_has_a_french_translation() -> None:
    catalog = french()
    nplurals = catalog.num_plurals
    problems: list[str] = []
    for msgid, places in sorted(extracted().items(), key=lambda item: item[1][0]):
        where = ", ".join(places)
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing from messages.po: {_show(msgid)} ({where})")
            continue
        if isinstance(msgid, tuple) != isinstance(message.id, tuple):
            problems.append(f"singular/plural mismatch: {_show(msgid)} ({where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy (check and remove the flag): {_show(msgid)} ({where})")
        elif not all(strings) or (isinstance(msgid, tuple) and len(strings) != nplurals):
            problems.append(f"not translated: {_show(msgid)} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) lack a French translation; run "
        "`bash scripts/update-translations.sh`, then translate them in "
        f"{_relative(FRENCH_PO)}:\n  " + "\n  ".join(problems)
    )


def test_french_catalogue_has_french_plural_rules() -> None:
    catalog = french()
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") in {"(n>1)", "n>1"}


def test_french_translations_keep_their_placeholders() -> None:
    problems: list[str] = []
    for message in translations(french()):
        for source, text in pairs(message):
            wanted, rest = placeholders(source)
            if "%" in rest:
                problems.append(f"lone '%' in the source string (write %%): {source!r}")
            if not text:
                continue  # reported by the test above
            got, rest = placeholders(text)
            if got != wanted:
                problems.append(
                    f"{source!r}: placeholders {sorted(wanted)} became {sorted(got)} in {text!r}"
                )
            if "%" in rest:
                problems.append(f"lone '%' (write %%) in {text!r}")
            try:
                text % {name: 1 for name, _conv in wanted}
            except (KeyError, ValueError, TypeError) as exc:
                problems.append(f"{text!r} cannot be formatted: {exc!r}")
    assert not problems, "\n".join(problems)


def test_french_translations_keep_commands_and_code_untranslated() -> None:
    problems = [
        f"{source!r}: {code} is missing from {text!r}"
        for message in translations(french())
        for source, text in pairs(message)
        if text
        for code in BACKQUOTED.findall(source)
        if code not in text
    ]
    assert not problems, "\n".join(problems)


def test_french_typography_is_consistent() -> None:
    """Typographic apostrophe ’ and guillemets « », a no-break space (U+00A0) before : ; ? ! »
    and after «, never an ordinary space there. (A colon without a space is allowed: it may be
    literal code such as ``Authorization: Bearer``.)"""
    problems: list[str] = []
    for message in translations(french()):
        for _source, text in pairs(message):
            code_free = BACKQUOTED.sub("", text)
            if "'" in code_free:
                problems.append(f"straight apostrophe (use ’): {text!r}")
            # (a '?' glued to a word is a query string such as ?view=turnout, not punctuation)
            if re.search(r"[ \u202f](?:[:;!»]|\?(?!\w))|«[ \u202f]", code_free):
                problems.append(f"ordinary space around : ; ? ! « » (use U+00A0): {text!r}")
            if re.search(r"\w[;?!]", code_free):
                problems.append(f"no space before ; ? ! (use U+00A0): {text!r}")
    assert not problems, "\n".join(problems)


def test_catalogue_has_no_fuzzy_entries() -> None:
    catalog = french()
    fuzzy = [_show(m.id) for m in translations(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy entries are not shown to users; review them: {fuzzy}"


def test_catalogue_compiles() -> None:
    catalogs = Catalogs()
    fr = catalogs.get("fr")
    assert fr.gettext("Sign in") == "Se connecter"
    assert fr.gettext("Membership classes") == "Collèges"
    # French uses the singular for 0 and 1.
    assert fr.ngettext("%(num)d member", "%(num)d members", 0) == "%(num)d sociétaire"
    assert fr.ngettext("%(num)d member", "%(num)d members", 1) == "%(num)d sociétaire"
    assert fr.ngettext("%(num)d member", "%(num)d members", 2) == "%(num)d sociétaires"
    # English is the source language; an unknown language falls back to it.
    assert catalogs.get("en").gettext("Sign in") == "Sign in"
    assert catalogs.get("xx").gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    "language", sorted(p.name for p in SOURCE_LOCALE_DIR.iterdir() if p.is_dir())
)
def test_every_shipped_catalogue_loads(language: str) -> None:
    po_path = SOURCE_LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    assert po_path.is_file(), f"{po_path} is missing"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    assert catalog.locale is not None and str(catalog.locale) == language
    # Babel's own checks: python-format consistency, plural counts.
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check() if errs]
    assert not errors, errors
    catalogs = Catalogs()
    assert catalogs.get(language) is not catalogs.get("en"), f"{language} was not loaded"
