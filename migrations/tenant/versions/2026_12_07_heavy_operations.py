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
    pass


def downgrade() -> None:
    pass
