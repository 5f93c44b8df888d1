"""What runs each job's attempt (local worker or Ray), and the Ray cluster's nodes as a dispatcher saw them

Revision ID: 0005
Revises: 0010
Create Date: 2026-12-05 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('executor', sa.String(length=10), nullable=False, server_default='local'))
        batch.create_check_constraint('executor_valid', "executor IN ('local', 'ray')")
    op.create_table('cluster_nodes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('cluster', sa.String(length=400), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('alive', sa.Boolean(), nullable=False),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('gpus', sa.Float(), nullable=False),
    sa.Column('gpus_used', sa.Float(), nullable=False),
    sa.Column('resources', sa.JSON(), nullable=False),
    sa.Column('jobs', sa.JSON(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_nodes'))
    )
    op.create_index(op.f('ix_cluster_nodes_seen_at'), 'cluster_nodes', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cluster_nodes_seen_at'), table_name='cluster_nodes')
    op.drop_table('cluster_nodes')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_constraint('executor_valid', type_='check')
        batch.drop_column('executor')
