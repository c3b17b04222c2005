"""manage.py migrate: never on a database ahead of the code; on PostgreSQL one process at a time.

Flask: migrations/env.py.
"""

from django.core.management import CommandError
from django.core.management.commands import migrate
from django.db import connections

from items.migration_state import ahead

# The advisory lock that migrations take on PostgreSQL: any number not used for another lock.
MIGRATION_LOCK = 1


class Command(migrate.Command):
    """Django's migrate, under a lock: replicas started at once each migrate, one at a time."""

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        # Django would apply nothing and leave the code on columns it does not know (another
        # branch's migrations): refuse in one line, as Alembic does. --prune is Django's own way
        # to forget applied migrations that have no file.
        if not options["prune"] and (message := ahead(connection)):
            raise CommandError(message)
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        # A session lock: Django commits each migration, and post_migrate (content types,
        # permissions) runs after them; the next process then finds nothing to do.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
