"""Settings: defaults, then TOML, then ``COOPFED_*`` variables, then flags; bad values are
refused with an error that names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopfed.settings import (
    CONFIG_FILE_NAME,
    Settings,
    SettingsError,
    load,
    normalize_database_url,
)


def toml(tmp_path: Path, text: str, name: str = "coopfed.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# --- sources and precedence ----------------------------------------------------------------


def test_load__with_nothing_gives_the_defaults() -> None:
    assert load(env={}) == Settings()


def test_defaults__run_an_embedded_instance_on_localhost() -> None:
    settings = Settings()
    assert settings.is_sqlite
    assert settings.effective_database_url == (
        f"sqlite+aiosqlite:///{(Path('coopfed-data') / 'coopfed.db').resolve()}"
    )
    assert settings.effective_base_url == "http://localhost:8000"
    assert settings.domain == "localhost:8000"
    assert not settings.secure_cookies
    assert settings.max_form_bytes == 256 * 1024


def test_load__toml_over_defaults_env_over_toml_flags_over_env(tmp_path: Path) -> None:
    path = toml(tmp_path, 'host = "10.0.0.1"\nport = 8100\nlog_level = "debug"\nsession_days = 7\n')
    settings = load(
        config_file=path,
        env={"COOPFED_PORT": "8200", "COOPFED_LOG_LEVEL": "warning"},
        overrides={"port": 8300, "host": None},
    )
    assert settings.session_days == 7  # TOML only
    assert settings.host == "10.0.0.1"  # TOML; a flag left out (None) changes nothing
    assert settings.log_level == "warning"  # env over TOML
    assert settings.port == 8300  # flag over env


def test_load__config_file_named_by_the_environment(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 9001\n", name="elsewhere.toml")
    assert load(env={"COOPFED_CONFIG": str(path)}).port == 9001


def test_load__finds_coopfed_toml_in_the_data_dir(tmp_path: Path) -> None:
    toml(tmp_path, "port = 9002\n", name=CONFIG_FILE_NAME)
    assert load(env={}, overrides={"data_dir": tmp_path}).port == 9002
    assert load(env={"COOPFED_DATA_DIR": str(tmp_path)}).port == 9002


def test_load__an_explicit_config_file_wins_over_the_data_dirs(tmp_path: Path) -> None:
    toml(tmp_path, "port = 9002\n", name=CONFIG_FILE_NAME)
    chosen = toml(tmp_path, "port = 9003\n", name="chosen.toml")
    assert load(config_file=chosen, env={}, overrides={"data_dir": tmp_path}).port == 9003


def test_load__data_dir_without_a_config_file_is_fine(tmp_path: Path) -> None:
    assert load(env={"COOPFED_DATA_DIR": str(tmp_path)}).data_dir == tmp_path


def test_load__environment_values_are_coerced(tmp_path: Path) -> None:
    settings = load(
        env={
            "COOPFED_PORT": "8080",
            "COOPFED_WORKER_INTERVAL": "0.5",
            "COOPFED_RUN_WORKER": "off",
            "COOPFED_DATA_DIR": str(tmp_path),
        }
    )
    assert (settings.port, settings.worker_interval, settings.run_worker) == (8080, 0.5, False)
    assert settings.data_dir == tmp_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True),
     ("0", False), ("False", False), ("no", False), ("off", False)],
)
def test_load__booleans_in_the_environment(raw: str, expected: bool) -> None:
    assert load(env={"COOPFED_RUN_WORKER": raw}).run_worker is expected


def test_load__toml_types_are_used_as_they_are(tmp_path: Path) -> None:
    path = toml(tmp_path, "run_worker = false\nworker_interval = 3\nsignin_delay = 0.5\n")
    settings = load(config_file=path, env={})
    assert settings.run_worker is False
    assert settings.worker_interval == 3.0 and isinstance(settings.worker_interval, float)


def test_load__test_suite_variables_are_not_settings() -> None:
    settings = load(env={"COOPFED_TEST_DATABASE_URL": "postgresql://x@y/z"})
    assert settings.database_url == ""


def test_load__unrelated_variables_are_ignored() -> None:
    assert load(env={"PORT": "1", "COOPFEDPORT": "2", "HOME": "/root"}) == Settings()


# --- refusals ------------------------------------------------------------------------------


def test_load__unknown_toml_key_is_refused(tmp_path: Path) -> None:
    path = toml(tmp_path, 'hostname = "x"\n')
    with pytest.raises(SettingsError, match="Unknown setting 'hostname'") as caught:
        load(config_file=path, env={})
    assert str(path) in str(caught.value)


def test_load__unknown_toml_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="Unknown setting 'server'"):
        load(config_file=toml(tmp_path, "[server]\nport = 1\n"), env={})


def test_load__unknown_environment_variable_is_refused() -> None:
    with pytest.raises(SettingsError, match="Unknown setting 'prot' in the environment"):
        load(env={"COOPFED_PROT": "8000"})


def test_load__unknown_flag_is_refused() -> None:
    with pytest.raises(SettingsError, match="the command line"):
        load(env={}, overrides={"colour": "blue"})


def test_load__missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load(config_file=tmp_path / "nope.toml", env={})


def test_load__invalid_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load(config_file=toml(tmp_path, "port = = 1\n"), env={})


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("port", "eighty"),
        ("port", ""),
        ("port", "80.5"),
        ("session_days", "2w"),
        ("worker_interval", "soon"),
        ("run_worker", "maybe"),
        ("max_form_bytes", "64k"),
    ],
)
def test_load__bad_environment_value_names_the_setting(name: str, raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(env={f"COOPFED_{name.upper()}": raw})
    assert f"'{name}'" in str(caught.value) and repr(raw) in str(caught.value)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("port = 8000.5", "port"),
        ("port = true", "port"),
        ("session_days = 1.5", "session_days"),
        ('run_worker = "perhaps"', "run_worker"),
        ("worker_interval = false", "worker_interval"),
        ("max_form_bytes = [1]", "max_form_bytes"),
    ],
)
def test_load__bad_toml_value_names_the_setting(tmp_path: Path, line: str, name: str) -> None:
    # Nothing is silently rounded or turned into a number: 8000.5 is not a port.
    with pytest.raises(SettingsError, match=f"'{name}'"):
        load(config_file=toml(tmp_path, line + "\n"), env={})


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"COOPFED_PORT": "0"}, "port"),
        ({"COOPFED_PORT": "65536"}, "port"),
        ({"COOPFED_DEFAULT_LANGUAGE": "de"}, "default_language"),
        ({"COOPFED_BASE_URL": "coop.example"}, "base_url"),
        ({"COOPFED_BASE_URL": "ftp://coop.example"}, "base_url"),
        ({"COOPFED_DATABASE_URL": "mysql://db/coopfed"}, "database_url"),
        ({"COOPFED_MAX_FORM_BYTES": "0"}, "max_form_bytes"),
        ({"COOPFED_MAX_FORM_BYTES": "-1"}, "max_form_bytes"),
        ({"COOPFED_SESSION_DAYS": "0"}, "session_days"),
        ({"COOPFED_WORKER_INTERVAL": "0"}, "worker_interval"),
        ({"COOPFED_SIGNIN_DELAY": "-1"}, "signin_delay"),
        ({"COOPFED_LOG_LEVEL": "loud"}, "log_level"),
    ],
)
def test_load__out_of_range_value_names_the_setting(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load(env=env)


def test_load__port_bounds_are_inclusive() -> None:
    assert load(env={"COOPFED_PORT": "1"}).port == 1
    assert load(env={"COOPFED_PORT": "65535"}).port == 65535


# --- derived values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://coop@db:5432/coopfed", "postgresql+asyncpg://coop@db:5432/coopfed"),
        ("postgres://coop:pw@db/coopfed", "postgresql+asyncpg://coop:pw@db/coopfed"),
        ("postgresql+asyncpg://db/coopfed", "postgresql+asyncpg://db/coopfed"),
        ("sqlite:////srv/coop.db", "sqlite+aiosqlite:////srv/coop.db"),
        ("sqlite+aiosqlite:///coop.db", "sqlite+aiosqlite:///coop.db"),
    ],
)
def test_normalize_database_url__picks_the_async_driver(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://db/x", "postgresql+psycopg://db/x", "db/x", ""])
def test_normalize_database_url__refuses_other_drivers(url: str) -> None:
    with pytest.raises(SettingsError, match="database_url"):
        normalize_database_url(url)


def test_load__postgresql_url_maps_to_asyncpg() -> None:
    settings = load(env={"COOPFED_DATABASE_URL": "postgresql://coop@db:5432/coopfed"})
    assert settings.effective_database_url == "postgresql+asyncpg://coop@db:5432/coopfed"
    assert not settings.is_sqlite


def test_base_url__sets_links_domain_and_secure_cookies() -> None:
    settings = Settings(base_url="https://coop.example/")
    assert settings.effective_base_url == "https://coop.example"
    assert settings.domain == "coop.example"
    assert settings.secure_cookies


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "http://localhost:9000"), ("::", "http://localhost:9000"),
     ("coop.lan", "http://coop.lan:9000")],
)
def test_base_url__defaults_from_host_and_port(host: str, expected: str) -> None:
    assert Settings(host=host, port=9000).effective_base_url == expected


def test_replace__returns_a_changed_copy() -> None:
    base = Settings()
    changed = base.replace(port=9999)
    assert (base.port, changed.port) == (8000, 9999)
