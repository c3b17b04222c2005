"""`manage.py seed` loads seed/items.json once; `manage.py createadmin` makes or updates the
admin user, never prompting."""

import json
import os
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from items.management.commands.seed import DEFAULT_SEED_PATH
from items.models import Item

pytestmark = pytest.mark.django_db


def seed(*args):
    """Run the seed command and return what it printed."""
    output = StringIO()
    call_command("seed", *args, stdout=output)
    return output.getvalue()


def test_seed_loads_the_repository_file_once():
    count = len(json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8")))
    assert seed() == f"Seeded {count} new items (0 already there).\n"
    assert seed() == f"Seeded 0 new items ({count} already there).\n"
    assert Item.objects.count() == count


def test_seed_skips_names_that_exist(tmp_path):
    Item.objects.create(name="Mug")
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"name": " Mug "}, {"name": "Jar", "quantity": 2}]))
    assert seed(str(path)) == "Seeded 1 new items (1 already there).\n"


@pytest.mark.parametrize(
    "record", [{"name": ""}, {"name": "Mug", "quantity": "3"}, {"name": "Mug", "id": 1}]
)
def test_seed_refuses_an_invalid_item_and_adds_nothing(tmp_path, record):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"name": "Jar"}, record]))
    with pytest.raises(CommandError, match="Invalid item"):
        seed(str(path))
    assert not Item.objects.exists()


def createadmin():
    """Run the command and return what it printed."""
    output = StringIO()
    call_command("createadmin", stdout=output)
    return output.getvalue()


def test_createadmin_creates_a_superuser_with_a_hashed_password(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "first-secret")
    assert createadmin() == "Created admin user admin.\n"
    user = User.objects.get(username="admin")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, True)
    assert user.password != "first-secret"
    assert user.check_password("first-secret")


def test_createadmin_reads_the_username_from_admin_username(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "keeper")
    monkeypatch.setenv("ADMIN_PASSWORD", "first-secret")
    assert createadmin() == "Created admin user keeper.\n"
    assert User.objects.get().username == "keeper"


def test_createadmin_updates_the_password_of_an_existing_user_and_makes_it_an_admin(monkeypatch):
    User.objects.create_user("admin", password="old-secret", is_active=False)
    monkeypatch.setenv("ADMIN_PASSWORD", "new-secret")
    assert createadmin() == "Updated the password of admin user admin.\n"
    user = User.objects.get()
    assert user.check_password("new-secret")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, True)


def test_createadmin_leaves_no_createsuperuser_variable_behind(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "first-secret")
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    createadmin()
    assert "DJANGO_SUPERUSER_PASSWORD" not in os.environ


@pytest.mark.parametrize("password", [None, ""])
def test_createadmin_refuses_to_run_without_a_password(monkeypatch, password):
    if password is None:
        monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ADMIN_PASSWORD", password)
    # SystemExit with a message: Python prints that one line to stderr and exits with 1.
    with pytest.raises(SystemExit) as caught:
        createadmin()
    assert caught.value.code == "ADMIN_PASSWORD is not set: export the admin's password first."
    assert not User.objects.exists()
