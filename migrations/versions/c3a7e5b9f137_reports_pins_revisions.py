"""community moderation: readers' reports, pinned comments, the earlier texts of edited comments

Revision ID: c3a7e5b9f137
Revises: d4b8f6a0c248
Create Date: 2026-12-03 13:00:00.000000

Expand only: two new tables, and on ``comments`` a column with a server
default (old code never names it) and the partial indexes that give a
post's top-level comments pinned first, then in each sort's order (by date
either way, most liked), so that a thread's first page still reads only its
rows. The "top" one also ends the sort of every top-level comment that the
most-liked page made before; a comment's like now writes that index too.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c3a7e5b9f137'
down_revision = 'd4b8f6a0c248'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Outside the batch: SQLite's table copy cannot carry an index on an expression (pinned DESC).
    op.create_index('ix_comments_pinned_oldest', 'comments', ['post_id', sa.text('pinned DESC'), 'created_at', 'id'],
                    unique=False, postgresql_where=sa.text('parent_id IS NULL'),
                    sqlite_where=sa.text('parent_id IS NULL'))
    op.create_index('ix_comments_pinned_newest', 'comments', ['post_id', 'pinned', 'created_at', 'id'],
                    unique=False, postgresql_where=sa.text('parent_id IS NULL'),
                    sqlite_where=sa.text('parent_id IS NULL'))
    op.create_index('ix_comments_pinned_top', 'comments',
                    ['post_id', sa.text('pinned DESC'), sa.text('like_count DESC'), 'created_at', 'id'],
                    unique=False, postgresql_where=sa.text('parent_id IS NULL'),
                    sqlite_where=sa.text('parent_id IS NULL'))

    op.create_table('comment_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('reader_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('spam', 'abuse', 'off-topic', 'other')",
                       name=op.f('ck_comment_reports_reason_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                            name=op.f('fk_comment_reports_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reports')),
    sa.UniqueConstraint('comment_id', 'reader_hash', name='uq_comment_reports_reader')
    )
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.create_index('ix_comment_reports_open', ['comment_id', 'dismissed_at'], unique=False)

    op.create_table('comment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                            name=op.f('fk_comment_revisions_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions'))
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)


def downgrade():
    op.drop_table('comment_revisions')
    op.drop_table('comment_reports')
    op.drop_index('ix_comments_pinned_top', table_name='comments')
    op.drop_index('ix_comments_pinned_newest', table_name='comments')
    op.drop_index('ix_comments_pinned_oldest', table_name='comments')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('pinned')
