"""Static checks as tests: import-linter contracts (pyproject.toml), ruff, and mypy (strict).

Each tool runs as a subprocess from the interpreter's own bin directory (the venv the suite runs
in), from the repository root, and must exit 0; on failure its output is shown.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The code is the same whatever the database: the static checks run in the SQLite pass only
# (scripts/test.sh runs both passes at once, and two mypy runs would share one cache).
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("COOPFED_TEST_DATABASE_URL")),
    reason="static checks run once, in the SQLite pass",
)

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
TIMEOUT = 600


def _run(tool: str, *args: str) -> None:
    executable = BIN / tool
    if not executable.exists():
        pytest.fail(
            f"{tool} is not installed beside {sys.executable}: pip install -e '.[test]'",
            pytrace=False,
        )
    env = {**os.environ, "NO_COLOR": "1", "MYPY_FORCE_COLOR": "0"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [str(executable), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        command = " ".join([tool, *args])
        pytest.fail(
            f"`{command}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}".rstrip(),
            pytrace=False,
        )


def test_import_contracts_hold() -> None:
    _run("lint-imports", "--no-cache")


def test_ruff_finds_nothing() -> None:
    _run(
        "ruff", "check", "--no-cache", "coopfed", "federation", "governance", "migrations", "tests"
    )


def test_mypy_strict_passes() -> None:
    _run("mypy", "coopfed", "federation", "governance")
