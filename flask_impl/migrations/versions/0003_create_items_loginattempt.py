"""Create items_loginattempt, the failed admin logins per username and address.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:00:00

Django: django-axes' own migrations create its axes_accessattempt table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "items_loginattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("failures_since_start", sa.Integer(), nullable=False),
        sa.Column("attempt_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "ip_address"),
    )
    op.create_index(
        op.f("ix_items_loginattempt_attempt_time"), "items_loginattempt", ["attempt_time"]
    )


def downgrade():
    op.drop_index(op.f("ix_items_loginattempt_attempt_time"), table_name="items_loginattempt")
    op.drop_table("items_loginattempt")
