"""Maintainer's picks: models an operator highlights (⭐), with who and when they were picked and unpicked

At most one active pick per model repo (a partial unique index, on SQLite and PostgreSQL alike).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('picks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repo_id', sa.String(length=400), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_picks_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_picks_removed_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_picks'))
    )
    op.create_index(op.f('ix_picks_repo_id'), 'picks', ['repo_id'], unique=False)
    op.create_index('uq_picks_active_repo', 'picks', ['repo_id'], unique=True,
                    sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_picks_active_repo', table_name='picks')
    op.drop_index(op.f('ix_picks_repo_id'), table_name='picks')
    op.drop_table('picks')
