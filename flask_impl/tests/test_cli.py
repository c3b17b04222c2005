"""`flask seed` loads seed/items.json once; `flask create-admin` makes or updates the admin."""

import json

import pytest
from sqlalchemy import func, select

from items.cli import DEFAULT_SEED_PATH
from items.models import Item, User, db

SEED_COUNT = len(json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8")))


def count_items(app):
    """How many items are stored."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def test_seed_loads_the_seed_file_once(app, runner):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.output == f"Seeded {SEED_COUNT} new items (0 already there).\n"
    assert second.output == f"Seeded 0 new items ({SEED_COUNT} already there).\n"
    assert count_items(app) == SEED_COUNT


def test_seed_refuses_an_invalid_item(app, runner, tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"name": "ok"}, {"name": "bad", "quantity": -1}]))
    result = runner.invoke(args=["seed", str(path)])
    assert result.exit_code != 0
    assert "quantity" in result.output
    assert count_items(app) == 0


def stored_user(app, username):
    """The stored user with this name, or None."""
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_create_admin_creates_the_admin_user(app, runner, monkeypatch):
    monkeypatch.delenv("ADMIN_USERNAME", raising=False)
    monkeypatch.setenv("ADMIN_PASSWORD", "first password")
    result = runner.invoke(args=["create-admin"])
    assert result.exit_code == 0
    assert result.output == "Created admin user admin.\n"
    user = stored_user(app, "admin")
    assert (user.is_admin, user.is_active) == (True, True)
    assert user.password != "first password"
    assert user.check_password("first password")


def test_create_admin_updates_the_password_of_an_existing_user(app, runner, make_user, monkeypatch):
    make_user("boss", "old password", is_admin=False, is_active=False)
    monkeypatch.setenv("ADMIN_USERNAME", "boss")
    monkeypatch.setenv("ADMIN_PASSWORD", "new password")
    result = runner.invoke(args=["create-admin"])
    assert result.output == "Updated the password of admin user boss.\n"
    user = stored_user(app, "boss")
    assert user.check_password("new password")
    assert (user.is_admin, user.is_active) == (True, True)


@pytest.mark.parametrize("password", [None, ""])
def test_create_admin_refuses_without_a_password(app, runner, monkeypatch, password):
    if password is None:
        monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ADMIN_PASSWORD", password)
    result = runner.invoke(args=["create-admin"])
    assert result.exit_code == 1
    assert result.output == "ADMIN_PASSWORD is not set: export the admin's password first.\n"
    assert stored_user(app, "admin") is None
