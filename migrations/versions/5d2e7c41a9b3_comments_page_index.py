"""index for the first page of a thread, whatever the thread's size

Revision ID: 5d2e7c41a9b3
Revises: 130329df1627
Create Date: 2026-11-27 08:45:00.000000

The page query asks for ``status IN (approved, deleted)``; with the status in
the middle of ``ix_comments_thread`` PostgreSQL cannot read the top-level
comments in date order and sorted all of them (60 ms for a post with 100,000
comments). This partial index gives them in order, so a page reads its rows
and stops.
"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e7c41a9b3'
down_revision = '130329df1627'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_page', ['post_id', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text('parent_id IS NULL'),
                              sqlite_where=sa.text('parent_id IS NULL'))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_page')
