"""Instance settings: defaults, then a TOML file, then ``COOPFED_*`` environment variables,
then command-line flags (each later source wins).

Every field of :class:`Settings` is documented in README.md ("Configuration"); a test keeps the
two in step.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from federation.net.addresses import parse_allow_rule

ENV_PREFIX = "COOPFED_"
# Variables of the test suite (e.g. COOPFED_TEST_DATABASE_URL), not instance settings.
TEST_ENV_PREFIX = "COOPFED_TEST_"
CONFIG_FILE_NAME = "coopfed.toml"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


class SettingsError(Exception):
    """A setting has a value that cannot work; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("coopfed-data")
    database_url: str = ""  # empty: SQLite file in data_dir
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""  # empty: http://host:port
    default_language: str = "en"
    run_worker: bool = True
    worker_interval: float = 2.0
    session_days: int = 30
    max_form_bytes: int = 256 * 1024
    signin_delay: float = 0.25
    log_level: str = "info"
    signature_window: int = 300  # seconds a signed date/created may differ from our clock
    inbox_max_bytes: int = 1024 * 1024  # largest accepted inbox POST (forms: max_form_bytes)
    # Non-public networks or hosts the federation HTTP client may reach (e.g. 10.0.0.0/8,
    # coop.internal:8443); everything private, loopback or link-local is refused otherwise.
    federation_allow_networks: tuple[str, ...] = ()
    delivery_concurrency: int = 32  # outgoing deliveries in flight per worker
    delivery_host_concurrency: int = 8  # of which at most this many to any one host
    # Cheap Argon2 parameters; only for test suites. Never documented as an admin setting.
    fast_password_hashing: bool = field(default=False, metadata={"internal": True})

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'coopfed.db').resolve()}"

    @property
    def effective_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.effective_base_url.startswith("https://")

    @property
    def domain(self) -> str:
        """The host (and port, if any) that names this instance in the federation."""
        return urlsplit(self.effective_base_url).netloc

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def normalize_database_url(url: str) -> str:
    """Pick the async driver for a plain URL (``postgresql://`` → asyncpg, ``sqlite://`` →
    aiosqlite)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise SettingsError(
        f"database_url '{url}' is not supported: use postgresql://… or sqlite:///path/to/file.db"
    )


def documented_fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(Settings) if not f.metadata.get("internal")]


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind_name == "Path":
            return Path(str(raw))
        # A TOML true or 8000.5 is not silently turned into 1 or 8000.
        if kind_name == "int":
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError(raw)
            return int(raw)
        if kind_name == "float":
            if isinstance(raw, bool):
                raise ValueError(raw)
            return float(raw)
        if kind_name == "bool":
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind_name.startswith("tuple"):
            if isinstance(raw, list | tuple):
                return tuple(str(x) for x in raw)
            return tuple(x.strip() for x in str(raw).split(",") if x.strip())
        return str(raw)
    except (TypeError, ValueError):
        raise SettingsError(
            f"Setting '{name}' has an invalid value {raw!r} ({kind_name})."
        ) from None


def load(
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from the file, the environment and explicit overrides."""
    env = os.environ if env is None else env
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}

    def put(source: Mapping[str, Any], where: str) -> None:
        for key, raw in source.items():
            if key not in fields:
                raise SettingsError(f"Unknown setting '{key}' in {where}.")
            values[key] = _coerce(key, raw, fields[key].type)

    data_dir_hint = (overrides or {}).get("data_dir") or env.get(ENV_PREFIX + "DATA_DIR")
    path = config_file or (
        Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None
    )
    if path is None and data_dir_hint:
        candidate = Path(str(data_dir_hint)) / CONFIG_FILE_NAME
        path = candidate if candidate.exists() else None
    if path is not None:
        try:
            put(tomllib.loads(path.read_text("utf-8")), str(path))
        except FileNotFoundError:
            raise SettingsError(f"The settings file {path} does not exist.") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"The settings file {path} is not valid TOML: {exc}") from None
    put(
        {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in env.items()
            if key.startswith(ENV_PREFIX)
            and key != ENV_PREFIX + "CONFIG"
            and not key.startswith(TEST_ENV_PREFIX)
        },
        "the environment",
    )
    put({k: v for k, v in (overrides or {}).items() if v is not None}, "the command line")
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    if settings.default_language not in ("en", "fr"):
        raise SettingsError("default_language must be 'en' or 'fr'.")
    if not 0 < settings.port < 65536:
        raise SettingsError("port must be between 1 and 65535.")
    if settings.base_url and not settings.base_url.startswith(("http://", "https://")):
        raise SettingsError("base_url must start with http:// or https://.")
    for name in ("max_form_bytes", "session_days", "worker_interval"):
        if not getattr(settings, name) > 0:
            raise SettingsError(f"{name} must be greater than 0.")
    if not settings.signin_delay >= 0:
        raise SettingsError("signin_delay must be 0 or more.")
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError(f"log_level must be one of: {', '.join(LOG_LEVELS)}.")
    for name in (
        "signature_window",
        "inbox_max_bytes",
        "delivery_concurrency",
        "delivery_host_concurrency",
    ):
        if not getattr(settings, name) > 0:
            raise SettingsError(f"{name} must be greater than 0.")
    for entry in settings.federation_allow_networks:
        try:
            parse_allow_rule(entry)
        except ValueError as exc:
            raise SettingsError(f"federation_allow_networks: {exc}") from None
    normalize_database_url(settings.effective_database_url)
