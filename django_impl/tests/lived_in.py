"""One migration applied to a populated database, in a process of its own (test_migrations.py).

`python -m tests.lived_in 0002_item_timestamps`, with DATABASE_URL naming an empty database:
migrates the items app to the migration before that one (every other app to its last), stores the
seed items and an admin user through the models as they were then, and applies the rest one
migration at a time. Prints what was stored and what the code reads back, as JSON; exits with one
line naming the migration file when one cannot apply.
"""

import json
import os
import re
import sys
from pathlib import Path

import django

# Settings and the app registry before the imports below, as a standalone Django script needs.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory, override_settings
from django.utils import timezone

from items.management.commands.seed import DEFAULT_SEED_PATH
from items.models import Item

REPOSITORY = Path(__file__).resolve().parents[2]
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "lived-in-password"
COLUMNS = ("name", "description", "quantity")
# SQLite: "NOT NULL constraint failed"; PostgreSQL: "contains null values".
NOT_NULL = re.compile(r"NOT NULL|null value", re.IGNORECASE)
NOT_NULL_FIX = (
    "give the new column a server_default=... "
    "(Flask: in the migration; Django: a default on the field)"
)


def migrate_to_before(name):
    """Every app at its last migration but items, at the one before `name`; the state then."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    parents = [parent for parent in graph.node_map["items", name].parents if parent[0] == "items"]
    others = [leaf for leaf in graph.leaf_nodes() if leaf[0] != "items"]
    return executor.migrate(others + (parents or [("items", None)]))


def populate(state):
    """Store the seed items, if their table exists yet, and the admin user; return what was stored.

    items/models.py describes the last migration, so rows go in through the historical models of
    `state`, with the timestamps that the first migration gives no default.
    """
    # auth's migrations are an app of their own, at their last here: its table is always there.
    User = state.apps.get_model("auth", "User")
    User.objects.create(
        username=ADMIN_USERNAME,
        password=make_password(ADMIN_PASSWORD),
        is_staff=True,
        is_superuser=True,
    )
    if ("items", "item") not in state.models:
        return {"items": [], "admin": True}
    HistoricalItem = state.apps.get_model("items", "Item")
    fields = {field.name for field in HistoricalItem._meta.get_fields()}
    now = {"created_at": timezone.now(), "updated_at": timezone.now()}
    records = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    HistoricalItem.objects.bulk_create(
        HistoricalItem(**{key: value for key, value in (now | record).items() if key in fields})
        for record in records
    )
    return {"items": list_items(HistoricalItem), "admin": True}


def list_items(model):
    """The items' names, descriptions and quantities, oldest first."""
    return [list(row) for row in model.objects.order_by("id").values_list(*COLUMNS)]


def cannot_apply(migration, error):
    """One line: the migration's file, what the database said, and the usual fix."""
    said = str(error).splitlines()[0]
    fix = f"; {NOT_NULL_FIX}" if NOT_NULL.search(said) else ""
    path = Path(sys.modules[type(migration).__module__].__file__).relative_to(REPOSITORY)
    return f"{path} cannot apply to a populated database: {said}{fix}"


def migrate_one_at_a_time():
    """Apply what is left, one migration at a time, so that a failure names the one that failed."""
    executor = MigrationExecutor(connection)
    for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes()):
        try:
            # A new executor each time: one executor plans from what was applied when it began.
            MigrationExecutor(connection).migrate([(migration.app_label, migration.name)])
        except DatabaseError as error:
            sys.exit(cannot_apply(migration, error))


def main(name):
    """Populate the database at the migration before `name`, migrate, print what survived."""
    stored = populate(migrate_to_before(name))
    migrate_one_at_a_time()
    login = RequestFactory().post("/admin/login/")
    admin = authenticate(login, username=ADMIN_USERNAME, password=ADMIN_PASSWORD)
    read = {"items": list_items(Item), "admin": admin is not None and admin.is_staff}
    print(json.dumps({"stored": stored, "read": read}))


if __name__ == "__main__":
    # A cheap hasher: the test is about the row surviving, not the hash's strength.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        main(sys.argv[1])
