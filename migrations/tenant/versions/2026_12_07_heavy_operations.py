"""heavy operations: how many imports a tenant runs at once (issue 8)

Revision ID: 0005_heavy_operations
Revises: 0004_sessions_tokens
Create Date: 2026-12-07 09:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0005_heavy_operations'
down_revision = '0004_sessions_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('heavy_operations',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'slot', name=op.f('pk_heavy_operations'))
    )


def downgrade() -> None:
    op.drop_table('heavy_operations')
