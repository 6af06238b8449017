"""app_sources and app_files: the template an app is based on, its overlay, its package files

Revision ID: 0003_app_sources
Revises: 0002_archived_columns
Create Date: 2026-11-24 09:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003_app_sources'
down_revision = '0002_archived_columns'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('app_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=40), nullable=False),
    sa.Column('template_key', sa.String(length=40), nullable=False),
    sa.Column('template_version', sa.String(length=40), nullable=False),
    sa.Column('template', _json(), nullable=False),
    sa.Column('overlay', _json(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_sources')),
    sa.UniqueConstraint('app_key', name=op.f('uq_app_sources_app_key'))
    )
    op.create_table('app_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=40), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_files')),
    sa.UniqueConstraint('app_key', 'path', name='uq_app_files_app_path')
    )


def downgrade() -> None:
    op.drop_table('app_files')
    op.drop_table('app_sources')
