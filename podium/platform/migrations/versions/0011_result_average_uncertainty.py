"""The suite average's error bars (standard error and 95% interval) beside each result's average

Results stored before this revision have none (NULL): their pages show the average without an
interval. Task scores carry their own intervals inside the tasks column (run record schema 2,
optional fields), so they need no migration.

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-05 23:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.add_column(sa.Column('average_uncertainty', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.drop_column('average_uncertainty')
