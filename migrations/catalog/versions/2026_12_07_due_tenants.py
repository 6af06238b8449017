"""due tenants: which tenants may have due jobs (issue 9)

Revision ID: 0003_due_tenants
Revises: 0002_login_throttle
Create Date: 2026-12-07 16:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0003_due_tenants'
down_revision = '0002_login_throttle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('due_tenants',
    sa.Column('tenant', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_due_tenants'))
    )
    op.create_index('ix_due_tenants_due_at', 'due_tenants', ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_due_tenants_due_at', table_name='due_tenants')
    op.drop_table('due_tenants')
