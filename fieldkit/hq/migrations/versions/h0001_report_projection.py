"""The typed projection the quarterly tables read at HQ

Revision ID: h0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.String(64), primary_key=True)


def _ref(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(64), nullable=nullable)


def _slug(name: str) -> sa.Column:
    return sa.Column(name, sa.String(32), nullable=False)


def upgrade() -> None:
    op.create_table(
        "report_site",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        _slug("kind"),
        sa.Column("county", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
    )
    op.create_table(
        "report_team",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        _ref("site_id"),
        sa.Column("deleted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_report_team_site", "report_team", ["site_id"])
    op.create_table(
        "report_person",
        _id(),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        _ref("site_id"),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("phone", sa.Text, nullable=False),
        _slug("category"),
        _slug("tier"),
        _slug("status"),
        sa.Column("birth_date", sa.Date),
    )
    op.create_index("ix_report_person_site", "report_person", ["site_id"])
    op.create_table(
        "report_event",
        _id(),
        _ref("person_id"),
        _slug("kind"),
        sa.Column("happened_on", sa.Date, nullable=False),
    )
    op.create_index("ix_report_event_person", "report_event", ["person_id"])
    op.create_table(
        "report_visit",
        _id(),
        _ref("person_id"),
        _ref("site_id"),
        _slug("reason"),
        sa.Column("visited_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("card_scanned", sa.Boolean, nullable=False),
        sa.Column("money_fen", sa.BigInteger, nullable=False),
        sa.Column("goods_given", sa.Boolean, nullable=False),
        sa.Column("follow_up_owed", sa.Boolean, nullable=False),
        sa.Column("follow_up_due", sa.Date),
    )
    op.create_index("ix_report_visit_time", "report_visit", ["visited_at"])
    op.create_index("ix_report_visit_person_time", "report_visit", ["person_id", "visited_at"])
    op.create_table(
        "report_consultation",
        _id(),
        _ref("site_id"),
        _ref("person_id", nullable=True),
        _slug("topic"),
        sa.Column("held_on", sa.Date, nullable=False),
    )
    op.create_index("ix_report_consultation_held", "report_consultation", ["held_on"])
    op.create_table(
        "report_activity",
        _id(),
        _ref("team_id"),
        _slug("kind"),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("attendee_count", sa.Integer, nullable=False),
        sa.Column("people_reached", sa.Integer, nullable=False),
    )
    op.create_index("ix_report_activity_held", "report_activity", ["held_on"])


def downgrade() -> None:
    for name in (
        "report_activity",
        "report_consultation",
        "report_visit",
        "report_event",
        "report_person",
        "report_team",
        "report_site",
    ):
        op.drop_table(name)
