"""rules and messaging: notifications, deliveries, channel settings, rule runs, timers and state (issue 10)

Revision ID: 0008_rules_messaging
Revises: 0007_tenant_settings
Create Date: 2026-12-07 18:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0008_rules_messaging'
down_revision = '0007_tenant_settings'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('channel_settings',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_settings'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=2000), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rendered', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('app', sa.String(length=40), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempt_log', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_status', ['status', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('app', sa.String(length=40), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_unread', ['user_id'], unique=False, sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.create_index('ix_notifications_user', ['user_id', 'id'], unique=False)

    op.create_table('rule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('effects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_runs')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rule_runs', schema=None) as batch_op:
        batch_op.create_index('ix_rule_runs_rule', ['app', 'rule', 'id'], unique=False)

    op.create_table('rule_state',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rule_state'))
    )
    op.create_table('rule_timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_timers')),
    sa.UniqueConstraint('app', 'rule', 'record_id', name='uq_rule_timers_rule_record')
    )
    with op.batch_alter_table('rule_timers', schema=None) as batch_op:
        batch_op.create_index('ix_rule_timers_due', ['due_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('rule_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_rule_timers_due')

    op.drop_table('rule_timers')
    op.drop_table('rule_state')
    with op.batch_alter_table('rule_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_rule_runs_rule')

    op.drop_table('rule_runs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user')
        batch_op.drop_index('ix_notifications_unread', sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))

    op.drop_table('notifications')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status')

    op.drop_table('deliveries')
    op.drop_table('channel_settings')

