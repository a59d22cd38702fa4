"""The README stays true: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from coopfed.cli import main
from coopfed.settings import ENV_PREFIX, documented_fields

README = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")


def test_readme__documents_every_setting_with_its_variable() -> None:
    missing = [
        f.name
        for f in documented_fields()
        if f"`{f.name}`" not in README or f"`{ENV_PREFIX}{f.name.upper()}`" not in README
    ]
    assert missing == []


def _commands(group: click.Group, prefix: str = "coopfed") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


def test_readme__documents_every_command() -> None:
    missing = [c for c in _commands(main) if c not in README]
    assert missing == []


def test_readme__carries_the_two_set_up_commands() -> None:
    assert ".venv/bin/coopfed serve" in README
    assert "bash scripts/test.sh" in README
