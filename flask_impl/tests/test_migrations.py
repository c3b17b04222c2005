"""The committed migrations build exactly the schema the models declare, and keep the data."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from items import create_app
from items.models import SESSION_TOKEN_LENGTH, User, db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def unmigrated_app(tmp_path, monkeypatch):
    """The app on an empty database, which only the migrations build."""
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}",
            # A login after a migration checks the migration, not the CSRF token.
            "WTF_CSRF_ENABLED": False,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_migrations_match_models(unmigrated_app):
    with unmigrated_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == [], f"the migrations differ from the models: {differences}"


def test_0004_gives_the_users_from_before_a_token_each_and_they_still_log_in(unmigrated_app):
    users = sa.table(
        "auth_user", *map(sa.column, ("username", "password", "is_admin", "is_active"))
    )
    # A cheap hash (check_password reads the method from it): speed, not strength.
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    with unmigrated_app.app_context():
        upgrade(revision="0003")
        db.session.execute(
            sa.insert(users),
            [
                {"username": name, "password": hashed, "is_admin": True, "is_active": True}
                for name in ("boss", "deputy")
            ],
        )
        db.session.commit()
        upgrade(revision="0004")
        tokens = dict(db.session.execute(sa.select(User.username, User.session_token)).all())
    assert sorted(tokens) == ["boss", "deputy"], f"users after 0004: {sorted(tokens)}"
    lengths = {len(token) for token in tokens.values()}
    assert lengths == {SESSION_TOKEN_LENGTH}, f"token lengths {lengths}, not {SESSION_TOKEN_LENGTH}"
    assert tokens["boss"] != tokens["deputy"], "two users were given the same token"
    client = unmigrated_app.test_client()
    login = client.post("/admin/login/", data={"username": "boss", "password": PASSWORD})
    assert login.status_code == 302, f"the login after 0004: {login.status_code}, not 302"
    index = client.get("/admin/")
    assert index.status_code == 200, f"/admin/ after that login: {index.status_code}, not 200"
