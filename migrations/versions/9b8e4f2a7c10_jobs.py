"""the jobs table: durable background work (mail, webhooks), written with the change that causes it

Revision ID: 9b8e4f2a7c10
Revises: e3b9a6d15c20
Create Date: 2026-12-02 17:00:00.000000

A new table only: processes still on the old code never read it.
``ix_jobs_pending_key`` is partial, so that a key dedupes pending jobs only
(a job that runs or failed does not stop a new one).
"""
import sqlalchemy as sa
from alembic import op

revision = '9b8e4f2a7c10'
down_revision = 'e3b9a6d15c20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'running', 'failed', name='job_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=120), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['state', 'run_at'], unique=False)
        batch_op.create_index('ix_jobs_pending_key', ['kind', 'key'], unique=True,
                              postgresql_where=sa.text("state = 'pending' AND key IS NOT NULL"),
                              sqlite_where=sa.text("state = 'pending' AND key IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_pending_key')
        batch_op.drop_index('ix_jobs_due')
    op.drop_table('jobs')
