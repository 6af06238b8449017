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
    pass


def downgrade() -> None:
    pass
