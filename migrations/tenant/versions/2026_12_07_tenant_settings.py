"""tenant settings: the tenant's time zone and what it decides for all its apps (issue 9)

Revision ID: 0007_tenant_settings
Revises: 0006_jobs
Create Date: 2026-12-07 17:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0007_tenant_settings'
down_revision = '0006_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_tenant_settings'))
    )


def downgrade() -> None:
    op.drop_table('tenant_settings')
