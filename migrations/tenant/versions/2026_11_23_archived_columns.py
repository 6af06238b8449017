"""archived_columns: removed fields and entities kept with their data

Revision ID: 0002_archived_columns
Revises: 0001_tenant
Create Date: 2026-11-23 09:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002_archived_columns'
down_revision = '0001_tenant'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('archived_columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('subtable', sa.String(length=40), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('names', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_by', sa.Integer(), nullable=True),
    sa.Column('restored_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archived_columns'))
    )
    with op.batch_alter_table('archived_columns', schema=None) as batch_op:
        batch_op.create_index('ix_archived_columns_field', ['app_key', 'entity', 'field'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('archived_columns', schema=None) as batch_op:
        batch_op.drop_index('ix_archived_columns_field')

    op.drop_table('archived_columns')
