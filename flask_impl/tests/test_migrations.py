"""The migrations: they build the schema the models declare, each applies to a populated database,
and a database ahead of or behind them is named in one line with the command that fixes it."""

import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from psycopg import sql
from sqlalchemy import Column, MetaData, Table, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import generate_password_hash

from items import MIGRATIONS_DIRECTORY, config, create_app
from items.auth import authenticate
from items.cli import DEFAULT_SEED_PATH
from items.migration_state import check_migrations
from items.models import SESSION_TOKEN_LENGTH, Item, User, db, new_session_token, utc_now

REPOSITORY = MIGRATIONS_DIRECTORY.parents[1]
# Every revision in migrations/versions, oldest first: a new one is tested without being listed.
REVISIONS = list(reversed(list(ScriptDirectory(str(MIGRATIONS_DIRECTORY)).walk_revisions())))
SEED_ITEMS = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "lived-in-password"
# A revision no branch of this repository has: the database comes from another checkout.
OTHER_BRANCH = "0999"
# A PostgreSQL server to test on as well, in a database of the test's own: make
# test-migrations-postgres.
POSTGRES_URL = os.environ.get("MIGRATIONS_POSTGRES_URL")
# SQLite: "Cannot add a NOT NULL column", "NOT NULL constraint failed"; PostgreSQL: "null values".
NOT_NULL = re.compile(r"NOT NULL|null value", re.IGNORECASE)
NOT_NULL_FIX = (
    "give the new column a server_default=... "
    "(Flask: in the migration; Django: a default on the field)"
)


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


@pytest.fixture
def fresh_app(database_url):
    """The app on that database, as DATABASE_URL names it, nothing migrated; in its app context."""
    app = create_app(
        {
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": config.database_url(database_url),
        }
    )
    with app.app_context():
        yield app
        db.engine.dispose()


def describe(difference):
    """One difference compare_metadata() found, in a few words: add_column items_item.price."""
    if isinstance(difference, list):  # a column's changes: [(kind, schema, table, column, ...)]
        kind, _, table, column = difference[0][:4]
        return f"{kind} {table}.{column}"
    kind, *_, what = difference
    # A table or column says its own name; an index or constraint is named by its table here.
    return f"{kind} {what}" if isinstance(what, Table | Column) else f"{kind} on {what.table}"


def test_migrations_match_models(fresh_app):
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    if differences:
        changes = ", ".join(describe(difference) for difference in differences)
        pytest.fail(
            f"the models differ from the migrations ({changes}): "
            "`make migrations` writes the migration",
            pytrace=False,
        )


def populate():
    """Store the seed items and the admin user in whichever of their tables exist yet.

    The models describe the last revision, so rows go in through the tables as they are (reflected),
    with the models' defaults for what the seed file leaves out. Returns what was stored.
    """
    tables = MetaData()
    with db.engine.begin() as connection:
        tables.reflect(connection)
        items, users = tables.tables.get("items_item"), tables.tables.get("auth_user")
        stored = {"items": [], "admin": users is not None}
        if items is not None:
            now = {"created_at": utc_now(), "updated_at": utc_now()}
            rows = [Item.defaults() | now | record for record in SEED_ITEMS]
            connection.execute(items.insert(), [columns_of(items, row) for row in rows])
            columns = select(items.c.name, items.c.description, items.c.quantity)
            stored["items"] = [tuple(row) for row in connection.execute(columns.order_by("id"))]
        if users is not None:
            # A cheap hash: the test is about the row surviving, not the hash's strength.
            password = generate_password_hash(ADMIN_PASSWORD, method="pbkdf2:sha256:1")
            admin = {"username": ADMIN_USERNAME, "password": password, "is_admin": True}
            admin |= {"is_active": True, "session_token": new_session_token()}
            connection.execute(users.insert(), columns_of(users, admin))
    return stored


def columns_of(table, row):
    """The values of the row that the table has columns for."""
    return {key: value for key, value in row.items() if key in table.c}


def read_through_models():
    """The items' names, descriptions and quantities, and whether the admin can still log in."""
    columns = select(Item.name, Item.description, Item.quantity).order_by(Item.id)
    return {
        "items": [tuple(row) for row in db.session.execute(columns)],
        "admin": authenticate(ADMIN_USERNAME, ADMIN_PASSWORD) is not None,
    }


def cannot_apply(revision, error):
    """One line: the revision's file, what the database said, and the usual fix."""
    said = str(error).splitlines()[0]
    fix = f"; {NOT_NULL_FIX}" if NOT_NULL.search(said) else ""
    path = Path(revision.path).relative_to(REPOSITORY)
    return f"{path} cannot apply to a populated database: {said}{fix}"


@pytest.mark.parametrize("revision", REVISIONS, ids=lambda revision: Path(revision.path).name)
def test_each_migration_applies_to_a_populated_database(fresh_app, revision):
    if revision.down_revision:
        upgrade(revision=revision.down_revision)
    stored = populate()
    # One revision at a time, so that a failure names the one that failed.
    for step in REVISIONS[REVISIONS.index(revision) :]:
        try:
            upgrade(revision=step.revision)
        except SQLAlchemyError as error:
            pytest.fail(cannot_apply(step, error), pytrace=False)
    assert read_through_models() == stored, f"{Path(revision.path).name} lost stored data"


def go_ahead():
    """The database at a revision the code does not have."""
    upgrade()
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": OTHER_BRANCH})
    db.session.commit()


def test_upgrade_refuses_a_database_from_another_branch_in_one_line(fresh_app):
    go_ahead()
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.output
    assert OTHER_BRANCH in errors[0]
    assert "`make reset`" in errors[0]


def go_behind():
    """The database one revision behind the code."""
    upgrade()
    downgrade(revision="-1")


@pytest.mark.parametrize(
    ("put_database", "fix"),
    [(upgrade, None), (go_behind, "`make migrate`"), (go_ahead, "`make reset`")],
    ids=["at the last revision", "behind", "ahead"],
)
def test_the_development_server_names_the_fix_for_its_database(fresh_app, put_database, fix):
    put_database()
    message = check_migrations(fresh_app)
    if fix is None:
        assert message is None
    else:
        assert fix in message
        assert "\n" not in message


def test_0004_gives_each_user_from_before_a_token_of_their_own(fresh_app):
    upgrade(revision="0003")
    users = Table("auth_user", MetaData(), autoload_with=db.engine)
    hashed = generate_password_hash(ADMIN_PASSWORD, method="pbkdf2:sha256:1")
    with db.engine.begin() as connection:
        connection.execute(
            users.insert(),
            [
                {"username": name, "password": hashed, "is_admin": True, "is_active": True}
                for name in ("boss", "deputy")
            ],
        )
    upgrade(revision="0004")
    tokens = dict(db.session.execute(select(User.username, User.session_token)).all())
    assert sorted(tokens) == ["boss", "deputy"], f"users after 0004: {sorted(tokens)}"
    lengths = {len(token) for token in tokens.values()}
    assert lengths == {SESSION_TOKEN_LENGTH}, f"token lengths {lengths}, not {SESSION_TOKEN_LENGTH}"
    assert tokens["boss"] != tokens["deputy"], "two users were given the same token"
