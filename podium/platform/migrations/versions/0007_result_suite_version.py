"""The suite version of each result, so boards rank and average one version at a time

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Results stored before this revision keep their scores under the version "legacy": their
    # task configs and data files were not stored, so they are never averaged with a versioned one.
    with op.batch_alter_table('results') as batch:
        batch.add_column(sa.Column('suite_version', sa.String(length=64), nullable=False, server_default='legacy'))
        batch.create_index(batch.f('ix_results_suite_version'), ['suite_version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.drop_index(batch.f('ix_results_suite_version'))
        batch.drop_column('suite_version')
