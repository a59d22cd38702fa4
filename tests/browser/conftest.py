"""Fixtures for browser tests: a live coopfed server and Debian's headless Chromium driven by
Playwright (sync API).

Playwright cannot download its own browsers here, so it launches ``/usr/bin/chromium``
(Debian package ``chromium``; ``scripts/test.sh`` installs it). Without it these tests fail
when ``CI`` is set, and are skipped with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, sync_playwright

from coopfed.context import AppContext, build_context
from coopfed.settings import Settings
from governance.clock import Clock
from tests.live import LiveServer, serve_in_thread

T = TypeVar("T")

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
def live_clock() -> Clock | None:
    """The clock the live server runs on: ``None`` is the system clock. A test module that must
    move time overrides this fixture (e.g. with the ``clock`` fixture's ManualClock)."""
    return None


@pytest.fixture
def live(tmp_path: Path, database_url: str, live_clock: Clock | None) -> Iterator[LiveServer]:
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
    with serve_in_thread(settings, clock=live_clock) as server:
        yield server


class Backstage:
    """Async code (governance services, ``Worker.run_once``) against the live instance's
    database, from a test that drives Playwright.

    Playwright's sync API keeps its event loop marked as running in the test's thread, so
    ``asyncio.run`` cannot be used there. Backstage owns an event loop in a thread of its own
    and an :class:`AppContext` built inside it, with the live server's settings and clock.
    """

    TIMEOUT = 60.0

    def __init__(self, settings: Settings, clock: Clock | None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="coopfed-backstage", daemon=True
        )
        self._thread.start()
        self.ctx: AppContext = self.run(self._build(settings, clock))

    @staticmethod
    async def _build(settings: Settings, clock: Clock | None) -> AppContext:
        return build_context(settings, clock=clock)  # the engine binds to this loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the backstage loop and return its result (or raise its error)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.TIMEOUT)

    def close(self) -> None:
        try:
            self.run(self.ctx.dispose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(self.TIMEOUT)
            self._loop.close()


@pytest.fixture
def backstage(live: LiveServer, live_clock: Clock | None) -> Iterator[Backstage]:
    """A :class:`Backstage` on the live instance's database (closed before the database is
    emptied or removed)."""
    stage = Backstage(live.settings, live_clock)
    try:
        yield stage
    finally:
        stage.close()


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
