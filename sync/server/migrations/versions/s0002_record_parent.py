"""sync_record.parent: the id of the record whose scope a child record follows

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_record") as batch:
        batch.add_column(sa.Column("parent", sa.String(64), nullable=True))
    op.create_index("ix_sync_record_parent", "sync_record", ["tbl", "parent"])


def downgrade() -> None:
    op.drop_index("ix_sync_record_parent", table_name="sync_record")
    with op.batch_alter_table("sync_record") as batch:
        batch.drop_column("parent")
