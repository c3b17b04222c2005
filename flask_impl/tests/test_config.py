"""Config from the environment: SECRET_KEY, DATABASE_URL, hosts, API token, HTTPS."""

from pathlib import Path

import pytest

from items import create_app
from items.config import database_url

HSTS = "max-age=31536000; includeSubDomains"


def test_secret_key_is_required_when_debug_is_off():
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "DEBUG": False})


def test_debug_uses_a_development_secret_key(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": None,
            "DEBUG": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'items.sqlite3'}",
        }
    )
    assert app.config["SECRET_KEY"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/items", "postgresql+psycopg://u:p@db:5432/items"),
        ("postgresql://u:p@db/items", "postgresql+psycopg://u:p@db/items"),
        ("postgresql+psycopg://u@db/items", "postgresql+psycopg://u@db/items"),
        ("sqlite:////tmp/items.sqlite3", "sqlite:////tmp/items.sqlite3"),
    ],
)
def test_database_url_names_psycopg_for_postgresql(url, expected):
    assert database_url(url) == expected


def test_defaults(read_config, app):
    config = read_config()
    database = config.SQLALCHEMY_DATABASE_URI
    # The development database is a file in the app's instance folder.
    assert database == f"sqlite:///{Path(app.instance_path) / 'items.sqlite3'}"
    assert config.DEBUG is False
    assert config.SECRET_KEY is None
    assert config.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]"]
    assert config.API_TOKEN is None
    assert config.MAX_CONTENT_LENGTH == 1024 * 1024


def test_an_empty_api_token_means_none(read_config):
    assert read_config(API_TOKEN="").API_TOKEN is None


def test_postgresql_gets_a_small_checked_pool_with_a_connect_timeout(read_config):
    options = read_config(DATABASE_URL="postgres://u@db/items").SQLALCHEMY_ENGINE_OPTIONS
    assert options["pool_size"] == 4
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {"connect_timeout": 2}


def test_sqlite_keeps_flask_sqlalchemys_engine_defaults(read_config):
    assert not hasattr(read_config(), "SQLALCHEMY_ENGINE_OPTIONS")


@pytest.mark.parametrize(("https", "hsts"), [("1", HSTS), ("0", None), (None, None)])
def test_https_settings_match_djangos(read_config, https, hsts):
    # Django: SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE (Flask-WTF's token is in the session),
    # SECURE_HSTS_SECONDS a year, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD off.
    config = read_config() if https is None else read_config(HTTPS=https)
    on = https == "1"
    assert config.HTTPS is on
    assert config.SESSION_COOKIE_SECURE is on
    assert hsts == config.STRICT_TRANSPORT_SECURITY
