"""Give items_item SQLite's AUTOINCREMENT: a deleted item's id is never given to another item.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 13:20:00

Django: its SQLite tables have AUTOINCREMENT from their first migration. PostgreSQL's sequences
never give an id twice: nothing changes there.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def set_autoincrement(enabled):
    """SQLite: copy the table into one made with (or without) AUTOINCREMENT, rows and all."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "items_item", recreate="always", table_kwargs={"sqlite_autoincrement": enabled}
        ):
            pass


def upgrade():
    set_autoincrement(True)


def downgrade():
    set_autoincrement(False)
