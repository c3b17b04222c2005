"""manage.py migrate, one process at a time on PostgreSQL (Flask: migrations/env.py)."""

from django.core.management.commands import migrate
from django.db import connections

# The advisory lock that migrations take on PostgreSQL: any number not used for another lock.
MIGRATION_LOCK = 1


class Command(migrate.Command):
    """Django's migrate, under a lock: replicas started at once each migrate, one at a time."""

    def handle(self, *args, **options):
        connection = connections[options["database"]]
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
