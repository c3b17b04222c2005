"""Config from the environment: SECRET_KEY, DATABASE_URL, hosts, API token, HTTPS."""

import pytest

from items.config import Config, database_url

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def environment(monkeypatch):
    """An environment with none of the twin's variables set."""
    for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "API_TOKEN", "HTTPS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_secret_key_is_required_when_debug_is_off(environment, tmp_path):
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        Config(str(tmp_path))


def test_debug_uses_a_development_secret_key(environment, tmp_path):
    environment.setenv("DEBUG", "1")
    assert Config(str(tmp_path)).SECRET_KEY


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/items", "postgresql+psycopg://u:p@db:5432/items"),
        ("postgresql://u:p@db/items", "postgresql+psycopg://u:p@db/items"),
        ("postgresql+psycopg://u@db/items", "postgresql+psycopg://u@db/items"),
        ("sqlite:////tmp/items.sqlite3", "sqlite:////tmp/items.sqlite3"),
    ],
)
def test_database_url_names_psycopg_for_postgresql(environment, tmp_path, url, expected):
    environment.setenv("DATABASE_URL", url)
    assert database_url(str(tmp_path)) == expected


def test_defaults(environment, tmp_path):
    environment.setenv("SECRET_KEY", "s")
    config = Config(str(tmp_path))
    database_url = config.SQLALCHEMY_DATABASE_URI
    assert database_url == f"sqlite:///{tmp_path / 'items.sqlite3'}"
    assert config.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]"]
    assert config.API_TOKEN is None
    assert config.MAX_CONTENT_LENGTH == 1024 * 1024


def test_an_empty_api_token_means_none(environment, tmp_path):
    environment.setenv("SECRET_KEY", "s")
    environment.setenv("API_TOKEN", "")
    assert Config(str(tmp_path)).API_TOKEN is None


def test_postgresql_gets_a_small_checked_pool_with_a_connect_timeout(environment, tmp_path):
    environment.setenv("SECRET_KEY", "s")
    environment.setenv("DATABASE_URL", "postgres://u@db/items")
    options = Config(str(tmp_path)).SQLALCHEMY_ENGINE_OPTIONS
    assert options["pool_size"] == 4
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {"connect_timeout": 2}


def test_sqlite_keeps_flask_sqlalchemys_engine_defaults(environment, tmp_path):
    environment.setenv("SECRET_KEY", "s")
    assert not hasattr(Config(str(tmp_path)), "SQLALCHEMY_ENGINE_OPTIONS")


@pytest.mark.parametrize(("https", "hsts"), [("1", HSTS), ("0", None), (None, None)])
def test_https_settings_match_djangos(environment, tmp_path, https, hsts):
    # Django: SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE (Flask-WTF's token is in the session),
    # SECURE_HSTS_SECONDS a year, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD off.
    environment.setenv("SECRET_KEY", "s")
    if https is not None:
        environment.setenv("HTTPS", https)
    config = Config(str(tmp_path))
    on = https == "1"
    assert config.HTTPS is on
    assert config.SESSION_COOKIE_SECURE is on
    assert hsts == config.STRICT_TRANSPORT_SECURITY
