"""Alembic environment for Flask-Migrate: the app's engine and models drive every migration."""

import logging
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import text

from items.migration_state import ahead

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
# The advisory lock that migrations take on PostgreSQL: any number not used for another lock.
MIGRATION_LOCK = 1

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    """Write the migrations as SQL to standard output (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Apply the migrations to the app's database."""

    def process_revision_directives(context, revision, directives):
        """Write no revision file when autogenerate finds no change."""
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    configure_args = current_app.extensions["migrate"].configure_args
    configure_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_db.metadata, **configure_args
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas started at once each migrate: one at a time, until this transaction
                # ends; the next then finds nothing to do (Django: the migrate command).
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            try:
                context.run_migrations()
            except CommandError:
                # Another branch's revision in the database: one line naming the fix, rather than
                # Alembic's "Can't locate revision" (Django: the migrate command).
                message = ahead(context.script, context.get_context().get_current_heads())
                if message is None:
                    raise
                raise CommandError(message) from None


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
