"""actor columns fit the longest actor a token or login name makes

Revision ID: 8c41f0d2b7e5
Revises: 5d2e7c41a9b3
Create Date: 2026-12-02 09:00:00.000000

A ban keeps who made it as ``token:<name>`` or ``user:<username>``. Names
are up to 80 characters, but ``bans.created_by`` held 80, so a token named
with more than 74 characters (or a login with more than 75) could not ban:
the insert failed. It now holds 120, as ``moderation_events.actor`` does.
"""
import sqlalchemy as sa
from alembic import op

revision = '8c41f0d2b7e5'
down_revision = '5d2e7c41a9b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.alter_column('created_by', existing_type=sa.String(length=80), type_=sa.String(length=120),
                              existing_nullable=False)


def downgrade():
    # Longer actors would not fit the old width: keep their first 80 characters.
    op.execute("UPDATE bans SET created_by = substr(created_by, 1, 80) WHERE length(created_by) > 80")
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.alter_column('created_by', existing_type=sa.String(length=120), type_=sa.String(length=80),
                              existing_nullable=False)
