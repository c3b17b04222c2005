"""manage.py runserver, saying in one line when the database is behind or ahead of the code."""

from django.contrib.staticfiles.management.commands import runserver
from django.db import DEFAULT_DB_ALIAS, connections

from items.migration_state import ahead, behind


class Command(runserver.Command):
    """The development server of make run (staticfiles' runserver, which serves /static/ too)."""

    def check_migrations(self):
        """At each start and reload, one line naming the make target that fixes the database.

        Django's own notice names `manage.py migrate` in two lines and misses a database ahead of
        the code, as after a branch switch (Flask: items/migration_state.py's init_app).
        """
        connection = connections[DEFAULT_DB_ALIAS]
        if message := ahead(connection) or behind(connection):
            self.stdout.write(self.style.NOTICE(message))
