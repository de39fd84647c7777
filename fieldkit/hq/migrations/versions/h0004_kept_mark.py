"""Which transaction last raised a person's version, and the kept figures' marks

Revision ID: h0004
Revises: h0003
Create Date: 2026-12-03

``report_person_version.changed_by`` (indexed) is the transaction that last raised the
version (PostgreSQL; NULL before this migration and on SQLite); ``report_kept_mark``
holds per quarter and policy the oldest transaction still running when the last
report over every site read (see fieldkit.hq.report_source). No mark yet: the next
report of each quarter checks every person, as before, and leaves one.
"""

import sqlalchemy as sa
from alembic import op

revision = "h0004"
down_revision = "h0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_person_version") as batch:
        batch.add_column(sa.Column("changed_by", sa.BigInteger, nullable=True))
    op.create_index("ix_report_person_version_changed", "report_person_version", ["changed_by"])
    op.create_table(
        "report_kept_mark",
        sa.Column("quarter", sa.String(8), primary_key=True),
        sa.Column("policy", sa.String(32), primary_key=True),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("oldest", sa.BigInteger, nullable=False),
        sa.Column("relocation", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_kept_mark")
    op.drop_index("ix_report_person_version_changed", "report_person_version")
    with op.batch_alter_table("report_person_version") as batch:
        batch.drop_column("changed_by")
