"""The persons' columns beside their visit summaries; the never-visited marked

Revision ID: h0006
Revises: h0005
Create Date: 2026-12-04

``report_visit_summary`` gets copies of the columns of its person the console's care
facts read (site, name, code, address, category, tier, status, birth date; NULL while
the person is not held), indexed as (tier, last_at), (site_id, last_at) and
(birth_date), and an index on the follow-up's due day of the rows owing one;
``report_person`` gets ``never_visited`` (no summary row), indexed. The push hook keeps
the copies and marks from now on (fieldkit.hq.projection.summary); filled here from the
rows already held. The console reads most of its candidates (fieldkit.console.candidates)
as index ranges of the summaries alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "h0006"
down_revision = "h0005"
branch_labels = None
depends_on = None

_COPIES = {"site_id": sa.String(64), "name": sa.Text(), "code": sa.Text(), "address": sa.Text(),
           "category": sa.String(32), "tier": sa.String(32), "status": sa.String(32),
           "birth_date": sa.Date()}  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("report_visit_summary") as batch:
        for name, kind in _COPIES.items():
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("report_person") as batch:
        batch.add_column(
            sa.Column("never_visited", sa.Boolean, nullable=False, server_default=sa.true())
        )
    names = ", ".join(_COPIES)
    op.execute(
        f"UPDATE report_visit_summary SET ({names}) = (SELECT"
        f" {', '.join('p.' + c for c in _COPIES)} FROM report_person p"
        " WHERE p.id = report_visit_summary.person_id)"
    )
    op.execute(
        "UPDATE report_person SET never_visited = false WHERE EXISTS (SELECT 1 FROM"
        " report_visit_summary s WHERE s.person_id = report_person.id)"
    )
    op.create_index("ix_report_visit_summary_tier_last", "report_visit_summary",
                    ["tier", "last_at"])  # fmt: skip
    op.create_index("ix_report_visit_summary_site_last", "report_visit_summary",
                    ["site_id", "last_at"])  # fmt: skip
    owing = sa.text("follow_up_id IS NOT NULL")
    op.create_index("ix_report_visit_summary_follow_up", "report_visit_summary",
                    ["follow_up_due"], postgresql_where=owing, sqlite_where=owing)  # fmt: skip
    op.create_index("ix_report_visit_summary_birth", "report_visit_summary", ["birth_date"])
    op.create_index("ix_report_person_never_visited", "report_person", ["never_visited"])


def downgrade() -> None:
    op.drop_index("ix_report_person_never_visited", "report_person")
    op.drop_index("ix_report_visit_summary_birth", "report_visit_summary")
    op.drop_index("ix_report_visit_summary_follow_up", "report_visit_summary")
    op.drop_index("ix_report_visit_summary_site_last", "report_visit_summary")
    op.drop_index("ix_report_visit_summary_tier_last", "report_visit_summary")
    with op.batch_alter_table("report_person") as batch:
        batch.drop_column("never_visited")
    with op.batch_alter_table("report_visit_summary") as batch:
        for name in _COPIES:
            batch.drop_column(name)
