"""GPUs per job, the pinned revision of a declared base, and the workers' capabilities

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('gpus', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('models') as batch:
        batch.add_column(sa.Column('base_revision', sa.String(length=80), nullable=True))
    op.create_table('workers',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('device_kind', sa.String(length=10), nullable=False),
    sa.Column('gpu_count', sa.Integer(), nullable=False),
    sa.Column('gpu_memory_gb', sa.Float(), nullable=True),
    sa.Column('gpu_name', sa.String(length=200), nullable=True),
    sa.Column('quantization', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("device_kind IN ('cpu', 'cuda')", name=op.f('ck_workers_device_kind_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    op.create_index(op.f('ix_workers_seen_at'), 'workers', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_workers_seen_at'), table_name='workers')
    op.drop_table('workers')
    with op.batch_alter_table('models') as batch:
        batch.drop_column('base_revision')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('gpus')
