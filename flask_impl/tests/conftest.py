"""Fixtures of the Flask twin's unit tests: an app on a fresh SQLite file per test, its clients."""

import importlib.util

import pytest
from jinja2 import FileSystemBytecodeCache
from werkzeug.security import generate_password_hash

from items import create_app
from items.models import User, db

API_TOKEN = "test-token"
# The variables Config reads.
ENVIRONMENT = [
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "API_TOKEN",
    "HTTPS",
    "TRUSTED_PROXIES",
]


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory):
    """Compiled templates shared by every test's app (Flask-Admin's take long to compile)."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("templates")))


@pytest.fixture
def app(tmp_path, template_cache):
    """The app on an empty database of its own, tables made from the models."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
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
def read_config(monkeypatch):
    """Config as an environment makes it: read_config(HTTPS="1"), the other variables unset."""

    def read(**environment):
        for name in ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        # A fresh copy of the module: Config reads the environment when it is imported.
        spec = importlib.util.find_spec("items.config")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Config

    return read


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
