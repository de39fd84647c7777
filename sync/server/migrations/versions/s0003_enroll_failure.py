"""sync_enroll_failure: failed enrollment tries per client address, for the throttle

Revision ID: s0003
Revises: s0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_enroll_failure",
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_enroll_failure")
