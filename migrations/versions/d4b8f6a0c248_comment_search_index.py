"""comment search: a GIN index over the author and the text (PostgreSQL)

Revision ID: d4b8f6a0c248
Revises: e5c9a7b1d359
Create Date: 2026-12-03 13:00:00.000000

An index only: processes still on the old code never read it. The
expression is the one the desk's search queries (``models.SEARCH_DOCUMENT``),
so that PostgreSQL finds the matches without reading every comment.
SQLite searches with LIKE and gets no index.
"""
import sqlalchemy as sa
from alembic import op

revision = 'd4b8f6a0c248'
down_revision = 'e5c9a7b1d359'
branch_labels = None
depends_on = None

DOCUMENT = "to_tsvector('simple'::regconfig, (author::text || ' '::text) || body_source)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index('ix_comments_search', 'comments', [sa.text(DOCUMENT)], unique=False, postgresql_using='gin')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_comments_search', table_name='comments')
