"""The database against this checkout's migrations: one line naming the fix when they disagree."""

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

# The same words in both twins (Flask: items/migration_state.py).
AHEAD = (
    "The database has migration {unknown}, which this code does not have (another branch's?): "
    "`make reset` recreates the development databases."
)
BEHIND = "The database is {count} migration(s) behind this code: `make migrate` applies them."


def ahead(connection):
    """AHEAD when the database has applied a migration no file here holds, else None."""
    loader = MigrationLoader(connection)
    unknown = sorted(
        f"{app_label}.{name}"
        for app_label, name in loader.applied_migrations
        if app_label in loader.migrated_apps and (app_label, name) not in loader.graph.nodes
    )
    return AHEAD.format(unknown=", ".join(unknown)) if unknown else None


def behind(connection):
    """BEHIND when migrations on disk are not applied to the database, else None."""
    executor = MigrationExecutor(connection)
    missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return BEHIND.format(count=len(missing)) if missing else None
