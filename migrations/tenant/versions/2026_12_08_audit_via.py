"""audit via: what wrote a change besides its user (a rule, an action, an import, …)

Revision ID: 0010_audit_via
Revises: 0009_saved_views_idempotency
Create Date: 2026-12-08 00:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0010_audit_via'
down_revision = '0009_saved_views_idempotency'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a default: adding it rewrites no row on either database.
    op.add_column('audit_log', sa.Column('via', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('via')
