"""The care-plan figures kept per person and quarter, and the persons' versions

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-03

``report_person_version`` is raised by the push hook for every person whose file,
events or visits a write touches; ``report_replay`` holds the figures reports keep
(see fieldkit.reports.kept). Both start empty: a person without a version row is at
version 0, and the first report of a quarter replays everyone.
"""

import sqlalchemy as sa
from alembic import op

from fieldkit.store.report_kept import MIGRATED_OUTCOME_COLUMNS

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None

_OUTCOMES = MIGRATED_OUTCOME_COLUMNS


def upgrade() -> None:
    op.create_table(
        "report_person_version",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "report_replay",
        sa.Column("quarter", sa.String(8), primary_key=True),
        sa.Column("policy", sa.String(32), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("relocation", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("served", sa.Integer, nullable=False),
        sa.Column("new_file", sa.Integer, nullable=False),
        sa.Column("moved_away", sa.Integer, nullable=False),
        sa.Column("deceased", sa.Integer, nullable=False),
        sa.Column("unvisited", sa.Integer, nullable=False),
        sa.Column("last_visit", sa.String(10), nullable=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in _OUTCOMES),
    )
    op.create_index(
        "ix_report_replay_unvisited",
        "report_replay",
        ["quarter", "policy"],
        postgresql_where=sa.text("unvisited = 1"),
        sqlite_where=sa.text("unvisited = 1"),
    )


def downgrade() -> None:
    op.drop_table("report_replay")
    op.drop_table("report_person_version")
