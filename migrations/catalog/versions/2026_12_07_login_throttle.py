"""login throttling across processes (issue 8)

Revision ID: 0002_login_throttle
Revises: 0001_catalog
Create Date: 2026-12-07 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0002_login_throttle'
down_revision = '0001_catalog'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    op.create_index('ix_login_throttle_last_failure_at', 'login_throttle', ['last_failure_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_throttle_last_failure_at', table_name='login_throttle')
    op.drop_table('login_throttle')
