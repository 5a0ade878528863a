"""server-side sessions of the moderation desk

Revision ID: e3b9a6d15c20
Revises: 8c41f0d2b7e5
Create Date: 2026-12-02 10:00:00.000000

The desk's signed cookie used to be the whole session: a copy kept after
logging out still worked until its signature aged out (12 hours, renewed by
every flash message). The cookie now carries a random session id, and this
table decides whether it still holds: a row per login, found by the id's
SHA-256, deleted at logout, with the user, or when the password changes, and
refused after ``expires_at``, which is fixed at login.

Sessions made before this revision carry no id: their moderators log in once
more.
"""
import sqlalchemy as sa
from alembic import op

revision = 'e3b9a6d15c20'
down_revision = '8c41f0d2b7e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('desk_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_desk_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_desk_sessions_token_hash'))
    )
    with op.batch_alter_table('desk_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('desk_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_desk_sessions_expires_at'))

    op.drop_table('desk_sessions')
