"""The surplus allocation flow's French translations (coopfed/locale/fr/fragments/
allocation_flow.po, to be merged into the shared catalogue): every entry is translated and
keeps exactly its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
FRAGMENT = ROOT / "coopfed" / "locale" / "fr" / "fragments" / "allocation_flow.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def test_fragment__every_entry_translated_with_its_placeholders() -> None:
    with FRAGMENT.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    entries = [m for m in catalog if m.id]
    assert len(entries) > 40
    for message in entries:
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert message.string, message.id
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), message.id
