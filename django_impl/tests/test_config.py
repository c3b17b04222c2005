"""Settings from the environment, imported in a fresh interpreter: they load once per process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

DJANGO_IMPL = Path(__file__).resolve().parents[1]


def import_settings(environment, code="import config.settings"):
    """Import config.settings in a subprocess with exactly these environment variables."""
    return subprocess.run(  # noqa: S603 (our own interpreter and a fixed snippet)
        [sys.executable, "-c", code],
        cwd=DJANGO_IMPL,
        env={"PATH": os.environ.get("PATH", "")} | environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("environment", [{}, {"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": ""}])
def test_secret_key_is_required_when_debug_is_off(environment):
    result = import_settings(environment)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "SECRET_KEY" in result.stderr


def test_debug_runs_without_a_secret_key():
    assert import_settings({"DEBUG": "1"}).returncode == 0


@pytest.mark.parametrize(
    ("database_url", "engine"),
    [
        ("", "django.db.backends.sqlite3"),
        ("sqlite:////tmp/items.sqlite3", "django.db.backends.sqlite3"),
        ("postgres://user:secret@db.example:5432/items", "django.db.backends.postgresql"),
        ("postgresql://user:secret@db.example:5432/items", "django.db.backends.postgresql"),
    ],
)
def test_database_url_chooses_the_engine(database_url, engine):
    code = "import json, config.settings as s; print(json.dumps(s.DATABASES['default']['ENGINE']))"
    result = import_settings({"SECRET_KEY": "x", "DATABASE_URL": database_url}, code)
    assert json.loads(result.stdout) == engine


def test_connections_persist_with_health_checks(settings):
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True


def test_postgresql_gives_up_connecting_after_two_seconds():
    code = "import json, config.settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    environment = {"SECRET_KEY": "x", "DATABASE_URL": "postgres://user@db.example/items"}
    result = import_settings(environment, code)
    assert json.loads(result.stdout) == {"connect_timeout": 2}


def test_sqlite_writes_begin_immediate_in_wal_mode(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_body_limit_is_one_mebibyte(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


@pytest.fixture(scope="module")
def check_deploy(tmp_path_factory):
    """`manage.py check --deploy --fail-level WARNING` with DEBUG=0, a strong key, a real host,
    and collectstatic's files in place (items.E001 refuses a start without them)."""
    production = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "twins.example.org",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("collected")),
    }

    def manage(*arguments, environment):
        return subprocess.run(  # noqa: S603 (this interpreter, manage.py, fixed arguments)
            [sys.executable, "manage.py", *arguments],
            cwd=DJANGO_IMPL,
            env=production | environment,
            capture_output=True,
            text=True,
            check=False,
        )

    manage("collectstatic", "--noinput", "--verbosity", "0", environment={}).check_returncode()
    return lambda environment: manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=environment
    )


def test_check_deploy_reports_nothing_with_https(check_deploy):
    result = check_deploy({"HTTPS": "1"})
    assert result.returncode == 0, result.stderr
    # security.W021 (no HSTS preload) is silenced on purpose: see settings.py.
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."
    assert result.stderr == ""


def test_check_deploy_without_https_names_what_https_sets(check_deploy):
    result = check_deploy({})
    assert result.returncode == 1
    for check in ("W004", "W008", "W012", "W016"):
        assert f"security.{check}" in result.stderr
