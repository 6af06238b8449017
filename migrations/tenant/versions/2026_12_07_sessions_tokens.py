"""sessions and API-token lifecycle (issue 8)

Revision ID: 0004_sessions_tokens
Revises: 0003_app_sources
Create Date: 2026-12-07 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0004_sessions_tokens'
down_revision = '0003_app_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
