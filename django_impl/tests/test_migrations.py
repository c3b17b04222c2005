"""The migrations: they describe the models exactly, each applies to a populated database, and a
database ahead of or behind them is named in one line with the command that fixes it."""

import contextlib
import json
import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from psycopg import sql

from items.management.commands.runserver import Command as RunserverCommand

DJANGO_IMPL = Path(__file__).resolve().parents[1]
# Every migration of the items app, oldest first: a new one is tested without being listed.
GRAPH = MigrationLoader(None, ignore_no_migrations=True).graph
MIGRATIONS = [
    name for app, name in GRAPH.forwards_plan(*GRAPH.leaf_nodes("items")) if app == "items"
]
# A migration no branch of this repository has: the database comes from another checkout.
OTHER_BRANCH = "0999_from_another_branch"
# A PostgreSQL server to test on as well, in a database of the test's own: make
# test-migrations-postgres.
POSTGRES_URL = os.environ.get("MIGRATIONS_POSTGRES_URL")


@pytest.fixture(params=["sqlite", *(["postgresql"] if POSTGRES_URL else [])])
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or one made on MIGRATIONS_POSTGRES_URL's server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lived-in.sqlite3'}"
        return
    name = f"twins_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.django_db
def test_models_have_no_unmigrated_changes():
    output = StringIO()
    # makemigrations --check exits when it finds a change, after listing each under its file.
    with contextlib.suppress(SystemExit):
        call_command("makemigrations", "--check", "--dry-run", stdout=output)
    changes = [line.strip() for line in output.getvalue().splitlines() if line.startswith("    ")]
    if changes:
        pytest.fail(
            f"the models differ from the migrations ({', '.join(changes)}): "
            "`make migrations` writes the migration",
            pytrace=False,
        )


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda name: f"{name}.py")
def test_each_migration_applies_to_a_populated_database(database_url, migration):
    # A process of its own: Django reads its settings, the database with them, once per process
    # (Flask builds an app on the database instead).
    result = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.lived_in", migration],
        cwd=DJANGO_IMPL,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(result.stderr.strip(), pytrace=False)
    report = json.loads(result.stdout)
    assert report["read"] == report["stored"], f"{migration}.py lost stored data"


def go_ahead(recorder):
    """The database with a migration the code does not have."""
    recorder.record_applied("items", OTHER_BRANCH)


@pytest.mark.django_db
def test_migrate_refuses_a_database_from_another_branch_in_one_line():
    go_ahead(MigrationRecorder(connection))
    with pytest.raises(CommandError) as refused:
        call_command("migrate", verbosity=0)
    message = str(refused.value)
    assert refused.value.returncode == 1
    assert "\n" not in message
    assert f"items.{OTHER_BRANCH}" in message
    assert "`make reset`" in message


def go_behind(recorder):
    """The database one migration behind the code, as Django sees it."""
    recorder.record_unapplied("items", MIGRATIONS[-1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("put_database", "fix"),
    [(lambda recorder: None, None), (go_behind, "`make migrate`"), (go_ahead, "`make reset`")],
    ids=["at the last migration", "behind", "ahead"],
)
def test_the_development_server_names_the_fix_for_its_database(put_database, fix):
    put_database(MigrationRecorder(connection))
    output = StringIO()
    RunserverCommand(stdout=output).check_migrations()
    if fix is None:
        assert output.getvalue() == ""
    else:
        assert fix in output.getvalue()
        assert output.getvalue().count("\n") == 1
