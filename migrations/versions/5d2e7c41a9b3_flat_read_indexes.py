"""indexes that keep a thread's first page and the popular tags flat in data size

Revision ID: 5d2e7c41a9b3
Revises: 130329df1627
Create Date: 2026-11-27 08:45:00.000000

The page query asks for ``status IN (approved, deleted)``; with the status in
the middle of ``ix_comments_thread`` PostgreSQL cannot read the top-level
comments in date order and sorted all of them (60 ms for a post with 100,000
comments). This partial index gives them in order, so a page reads its rows
and stops.

Popular tags are ordered by ``post_count DESC, name``: the old ascending
index cannot give that mixed order, so every tag was sorted (1.7x slower with
10,000 tags than with 10). The new one matches the order.
"""
import sqlalchemy as sa
from alembic import op

revision = '5d2e7c41a9b3'
down_revision = '130329df1627'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_page', ['post_id', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text('parent_id IS NULL'),
                              sqlite_where=sa.text('parent_id IS NULL'))
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index('ix_tags_popular')
        batch_op.create_index('ix_tags_popular', [sa.text('post_count DESC'), 'name'], unique=False)


def downgrade():
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index('ix_tags_popular')
        batch_op.create_index('ix_tags_popular', ['post_count', 'name'], unique=False)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_page')
