"""Fixtures for browser tests: a live coopfed server and Debian's headless Chromium driven by
Playwright (sync API).

Playwright cannot download its own browsers here, so it launches ``/usr/bin/chromium``
(Debian package ``chromium``; ``scripts/test.sh`` installs it). Without it these tests fail
when ``CI`` is set, and are skipped with the reason otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from coopfed.settings import Settings
from tests.live import LiveServer, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture
def chromium_executable() -> Path:
    if CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = (
        f"{CHROMIUM} is missing: install Debian's Chromium "
        "(as root: apt-get update && apt-get install -y chromium), or run scripts/test.sh"
    )
    if _in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    """A real instance served by uvicorn on 127.0.0.1 (free port), with its setup link."""
    settings = Settings(
        data_dir=tmp_path,  # on SQLite the database_url fixture put the migrated copy here
        database_url=database_url,
        host="127.0.0.1",
        port=0,  # serve_in_thread binds a free port and sets base_url to it
        fast_password_hashing=True,
        signin_delay=0.0,
        run_worker=False,
    )
    with serve_in_thread(settings) as server:
        yield server


@pytest.fixture
def browser(chromium_executable: Path, live: LiveServer) -> Iterator[Browser]:
    """Headless Chromium. Requests ``live`` on purpose: Playwright's sync API marks its event
    loop as running in this thread between calls, so it must start after, and stop before, the
    fixtures that use ``asyncio.run`` (the database ones)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
