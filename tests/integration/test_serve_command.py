"""`coopfed serve` as an admin runs it: a real process on a loopback port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import pg

PG_URL = os.environ.get("COOPFED_TEST_DATABASE_URL", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    data_dir: Path, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coopfed",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COOPFED_FAST_PASSWORD_HASHING": "1", **env},
    )
    lines: list[str] = []
    try:
        yield proc, f"http://127.0.0.1:{port}", lines
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _read_until(
    proc: subprocess.Popen[str], lines: list[str], pattern: str, timeout: float = 30
) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"{pattern!r} not printed; output so far:\n{''.join(lines)}")


def _wait_healthy(base: str, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"{base}/healthz", timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.skipif(
    bool(PG_URL), reason="the embedded-SQLite first run; PostgreSQL is tested below"
)
def test_serve__empty_data_dir_prints_a_working_setup_link(tmp_path: Path) -> None:
    with serving(tmp_path / "data", {"COOPFED_DATABASE_URL": ""}) as (proc, base, lines):
        found = _read_until(proc, lines, r"(http://localhost:\d+/setup\?token=\S+)")
        _read_until(proc, lines, r"coopfed is serving")
        health = _wait_healthy(base)
        assert health.json() == {"status": "ok", "database": "ok"}
        link = found.group(1).replace("http://localhost", "http://127.0.0.1")
        page = httpx.get(link, timeout=5)
        assert page.status_code == 200
        assert "Set up your co-op" in page.text
    assert (tmp_path / "data" / "coopfed.db").exists()


@pytest.mark.skipif(not PG_URL, reason="needs COOPFED_TEST_DATABASE_URL")
def test_serve__refuses_an_unmigrated_postgresql_database(tmp_path: Path) -> None:
    import asyncio

    name = "coopfed_empty_" + os.urandom(4).hex()
    asyncio.run(pg.create_database(PG_URL, name))
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "coopfed",
                "serve",
                "--data-dir",
                str(tmp_path),
                "--port",
                str(_free_port()),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COOPFED_DATABASE_URL": pg.with_database(PG_URL, name)},
        )
        assert result.returncode != 0
        assert "coopfed migrate" in result.stderr + result.stdout
        migrated = subprocess.run(
            [sys.executable, "-m", "coopfed", "migrate", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COOPFED_DATABASE_URL": pg.with_database(PG_URL, name)},
        )
        assert migrated.returncode == 0, migrated.stderr
        assert "Migrated the schema" in migrated.stdout
    finally:
        asyncio.run(pg.drop_database(PG_URL, name))
