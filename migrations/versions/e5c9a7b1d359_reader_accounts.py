"""reader accounts: accounts, identities, sessions, OIDC sign-ins between redirects, mailed links; comments.account_id

Revision ID: e5c9a7b1d359
Revises: 8c4f1e2a7d90
Create Date: 2026-12-03 13:00:00.000000

Expand only: new tables, and a nullable column (with its index) on comments,
the one existing table this revision locks. Processes still on the old code
never read the new tables and do not select the column.
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5c9a7b1d359'
down_revision = '8c4f1e2a7d90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reader_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('notify_replies', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_accounts'))
    )
    with op.batch_alter_table('reader_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_accounts_email'), ['email'], unique=False)

    op.create_table('reader_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['reader_accounts.id'],
                            name=op.f('fk_reader_identities_account_id_reader_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_identities')),
    sa.UniqueConstraint('provider', 'subject', name='uq_reader_identities_subject')
    )
    with op.batch_alter_table('reader_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_identities_account_id'), ['account_id'], unique=False)

    op.create_table('reader_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['reader_accounts.id'],
                            name=op.f('fk_reader_sessions_account_id_reader_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reader_sessions_token_hash'))
    )
    with op.batch_alter_table('reader_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_sessions_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reader_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('reader_sign_in_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_sign_in_states')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_reader_sign_in_states_state_hash'))
    )
    with op.batch_alter_table('reader_sign_in_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_sign_in_states_expires_at'), ['expires_at'], unique=False)

    op.create_table('reader_mail_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.Column('return_url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_mail_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reader_mail_links_token_hash'))
    )
    with op.batch_alter_table('reader_mail_links', schema=None) as batch_op:
        batch_op.create_index('ix_reader_mail_links_email', ['email', 'created_at'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_comments_account_id'), ['account_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comments_account_id_reader_accounts'), 'reader_accounts',
                                    ['account_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comments_account_id_reader_accounts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_comments_account_id'))
        batch_op.drop_column('account_id')
    op.drop_table('reader_mail_links')
    op.drop_table('reader_sign_in_states')
    op.drop_table('reader_sessions')
    op.drop_table('reader_identities')
    op.drop_table('reader_accounts')
