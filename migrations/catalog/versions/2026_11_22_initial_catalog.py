"""initial_catalog

Revision ID: 0001_catalog
Revises: 
Create Date: 2026-11-22 06:41:01.949472
"""

from alembic import op
import sqlalchemy as sa


revision = '0001_catalog'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('key', name=op.f('uq_tenants_key'))
    )



def downgrade() -> None:

    op.drop_table('tenants')

