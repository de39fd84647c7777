"""sync_revision: when each revision was taken; sync_device.reported_pending/_at:
the changes a device reported waiting in its outbox at its last pull

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_revision",
        sa.Column("rev", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("sync_device") as batch:
        batch.add_column(sa.Column("reported_pending", sa.BigInteger))
        batch.add_column(sa.Column("reported_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("sync_device") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("reported_pending")
    op.drop_table("sync_revision")
