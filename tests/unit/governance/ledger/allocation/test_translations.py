"""Every message of the allocation package has a French translation that keeps its placeholders.

The translations live in governance/ledger/allocation/messages.fr.po until they are merged into
the shared catalogue (coopfed/locale/fr/LC_MESSAGES/messages.po); a message counts as translated
in either place, so the fragment can be deleted once merged.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[5]
PACKAGE = ROOT / "governance" / "ledger" / "allocation"
FRAGMENT = PACKAGE / "messages.fr.po"
SHARED = ROOT / "coopfed" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def catalogue(path: Path) -> Catalog:
    if not path.is_file():
        return Catalog(locale="fr")
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def messages() -> set[str]:
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords={"N_": None, "_": None}
        )
        if isinstance(message, str)
    }


def french(message: str) -> str:
    for path in (SHARED, FRAGMENT):
        found = catalogue(path).get(message)
        if found is not None and isinstance(found.string, str) and found.string:
            return found.string
    return ""


def test_translations__every_message_has_french() -> None:
    missing = sorted(m for m in messages() if not french(m))

    assert not missing, missing


def test_translations__keep_placeholders_and_format() -> None:
    for message in messages():
        text = french(message)
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(message)), text
        names = {name for name in PLACEHOLDER.findall(message) if name}
        text % {name: 1 for name in names}


def test_translations__follow_french_typography() -> None:
    for message in messages():
        text = french(message)
        assert "'" not in text, text
        assert not re.search(r"[ ](?:[:;!»]|\?(?!\w))|«[ ]", text), text
        assert not re.search(r"\w[;?!]", text), text
