"""What the live visits add up to: per person, per day and site, per quarter

Revision ID: h0003
Revises: h0002
Create Date: 2026-12-03

``report_visit_summary`` (per person: the latest visit, the follow-up owed on it, the
latest visit per must-visit reason), ``report_visit_day`` (per day and site),
``report_visit_quarter`` (per quarter, site and reason) and ``report_visit_reach`` (per
quarter, site and person), kept by the push hook from now on
(fieldkit.hq.projection.summary). An HQ that holds visits fills them here from
``report_visit``, one ``INSERT ... SELECT`` each, in this migration's transaction.
"""

import sqlalchemy as sa
from alembic import op

from fieldkit.hq.projection import summary
from fieldkit.hq.projection import tables as p

revision = "h0003"
down_revision = "h0002"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


_MADE = (p.visit_summary, p.visit_day, p.visit_quarter, p.visit_reach)
"""The tables made here (later migrations add others that ``refill`` also fills)."""


def upgrade() -> None:
    op.create_table(
        "report_visit_summary",
        sa.Column("person_id", sa.String(64), primary_key=True),
        _moment("last_at", nullable=False),
        sa.Column("follow_up_id", sa.String(64)),
        sa.Column("follow_up_due", sa.Date),
        sa.Column("follow_up_text", sa.Text),
        *(_moment(f"{reason.value}_at") for reason in summary.MUST_VISIT),
    )
    op.create_table(
        "report_visit_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("visits", sa.Integer, nullable=False),
        sa.Column("money_fen", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "report_visit_quarter",
        sa.Column("quarter", sa.String(8), primary_key=True),
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("visits", sa.Integer, nullable=False),
        sa.Column("scanned", sa.Integer, nullable=False),
        sa.Column("money_fen", sa.BigInteger, nullable=False),
        sa.Column("goods", sa.Integer, nullable=False),
    )
    op.create_table(
        "report_visit_reach",
        sa.Column("quarter", sa.String(8), primary_key=True),
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("visits", sa.Integer, nullable=False),
        sa.Column("given", sa.Integer, nullable=False),
    )
    summary.refill(op.get_bind(), only=_MADE)


def downgrade() -> None:
    for name in (
        "report_visit_reach",
        "report_visit_quarter",
        "report_visit_day",
        "report_visit_summary",
    ):
        op.drop_table(name)
