"""Fixtures of the Flask twin's unit tests: an app on a fresh SQLite file per test, its clients."""

import pytest
from jinja2 import FileSystemBytecodeCache
from werkzeug.security import generate_password_hash

from items import create_app
from items.models import User, db

API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory):
    """Compiled templates shared by every test's app (Flask-Admin's take long to compile)."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("templates")))


@pytest.fixture
def app(tmp_path, monkeypatch, template_cache):
    """The app on an empty database of its own, tables made from the models."""
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "API_TOKEN": API_TOKEN,
        }
    )
    app.jinja_env.bytecode_cache = template_cache
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Store a user: make_user("name", "password", is_admin=True); its id in the session."""

    def make(username, password, **flags):
        with app.app_context():
            # A cheap hash (check_password reads the method from it): speed, not strength.
            hashed = generate_password_hash(password, method="pbkdf2:sha256:1")
            user = User(username=username, password=hashed, **flags)
            db.session.add(user)
            db.session.commit()
            return user.get_id()

    return make
