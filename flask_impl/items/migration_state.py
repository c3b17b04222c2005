"""The database against this checkout's migrations: one line naming the fix when they disagree."""

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from werkzeug.serving import is_running_from_reloader

from .models import db

# The same words in both twins (Django: items/migration_state.py).
AHEAD = (
    "The database has migration {unknown}, which this code does not have (another branch's?): "
    "`make reset` recreates the development databases."
)
BEHIND = "The database is {count} migration(s) behind this code: `make migrate` applies them."


def ahead(script, heads):
    """AHEAD when the database is at a revision migrations/ does not have, else None."""
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set(heads) - known)
    return AHEAD.format(unknown=", ".join(unknown)) if unknown else None


def behind(script, heads):
    """BEHIND when migrations/ has revisions the database lacks, else None."""
    missing = list(script.iterate_revisions("heads", heads))
    return BEHIND.format(count=len(missing)) if missing else None


def check_migrations(app):
    """AHEAD or BEHIND for the app's database, or None when it is at the last revision."""
    script = ScriptDirectory(app.extensions["migrate"].directory)
    with app.app_context(), db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ahead(script, heads) or behind(script, heads)


def init_app(app):
    """At each start of `flask run --debug` (make run), say when the database is not at the last
    revision: after a branch switch the reloader restarts the app on other migrations (Django:
    runserver's check_migrations)."""
    if is_running_from_reloader() and (message := check_migrations(app)):
        app.logger.warning(message)
