"""reply subscriptions: mail addresses with their opt-in state, subscriptions, notices sent

Revision ID: 8c4f1e2a7d90
Revises: 9b8e4f2a7c10
Create Date: 2026-12-02 17:10:00.000000

New tables only: processes still on the old code never read them.
"""
import sqlalchemy as sa
from alembic import op

revision = '8c4f1e2a7d90'
down_revision = '9b8e4f2a7c10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirm_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_addresses')),
    sa.UniqueConstraint('email', name=op.f('uq_mail_addresses_email'))
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reader_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['address_id'], ['mail_addresses.id'],
                            name=op.f('fk_subscriptions_address_id_mail_addresses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                            name=op.f('fk_subscriptions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_subscriptions_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('address_id', 'comment_id', name='uq_subscriptions_address_comment')
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_address_id'), ['address_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_comment_id'), ['comment_id'], unique=False)

    op.create_table('subscription_notices',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                            name=op.f('fk_subscription_notices_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                            name=op.f('fk_subscription_notices_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'comment_id', name=op.f('pk_subscription_notices'))
    )
    with op.batch_alter_table('subscription_notices', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_notices_comment', ['comment_id'], unique=False)


def downgrade():
    op.drop_table('subscription_notices')
    op.drop_table('subscriptions')
    op.drop_table('mail_addresses')
