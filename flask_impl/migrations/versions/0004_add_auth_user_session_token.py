"""Add auth_user.session_token, which the session cookie names the user by; a token for every user.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:00:00

Django: nothing to migrate; its session auth hash is derived from the password's hash.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The columns the data step uses, as they are at this revision (the model may change later).
users = sa.table("auth_user", sa.column("id", sa.Integer()), sa.column("session_token"))


def upgrade():
    op.add_column("auth_user", sa.Column("session_token", sa.String(length=64), nullable=True))
    # Each existing user gets a random token of its own, which no server default can give: their
    # sessions from before end, their passwords still log in.
    connection = op.get_bind()
    for user_id in connection.scalars(sa.select(users.c.id)).all():
        token = secrets.token_hex(32)
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=token))
    # SQLite alters a column by copying the table (Alembic's batch mode); PostgreSQL in place.
    with op.batch_alter_table("auth_user") as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("auth_user_session_token_key", ["session_token"])


def downgrade():
    with op.batch_alter_table("auth_user") as batch_op:
        batch_op.drop_constraint("auth_user_session_token_key", type_="unique")
        batch_op.drop_column("session_token")
