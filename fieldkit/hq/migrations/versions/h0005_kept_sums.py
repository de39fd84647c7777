"""The kept report rows added up; the persons a quarter's visits reached per site

Revision ID: h0005
Revises: h0004
Create Date: 2026-12-04

``report_replay_sum`` holds every row of ``report_replay`` added up per quarter, policy,
site, relocation flag, category and tier (a row count and the sum of each figure), kept
from now on by the transaction that stores or deletes kept rows
(fieldkit.hq.projection.kept); filled here from the rows already kept, one ``INSERT ...
SELECT``. ``report_visit_reach_site`` counts ``report_visit_reach``'s rows per quarter and
site (the persons visited, and those handed money or goods), kept by the push hook
(fieldkit.hq.projection.summary); filled here from them.
"""

import sqlalchemy as sa
from alembic import op

from fieldkit.store.report_kept import MIGRATED_OUTCOME_COLUMNS

revision = "h0005"
down_revision = "h0004"
branch_labels = None
depends_on = None

_TEXT = {"quarter": 8, "policy": 32, "site_id": 64, "category": 32, "tier": 32}
_KEYS = ("quarter", "policy", "site_id", "relocation", "category", "tier")
_SUMMED = ("served", "new_file", "moved_away", "deceased", *MIGRATED_OUTCOME_COLUMNS)


def upgrade() -> None:
    op.create_table(
        "report_replay_sum",
        *(
            sa.Column(
                name, sa.String(_TEXT[name]) if name in _TEXT else sa.Integer, primary_key=True
            )
            for name in _KEYS
        ),
        *(sa.Column(name, sa.Integer, nullable=False) for name in ("persons", *_SUMMED)),
    )
    keys = ", ".join(_KEYS)
    op.execute(
        f"INSERT INTO report_replay_sum ({keys}, persons, {', '.join(_SUMMED)})"
        f" SELECT {keys}, count(*), {', '.join(f'sum({c})' for c in _SUMMED)}"
        f" FROM report_replay GROUP BY {keys}"
    )

    op.create_table(
        "report_visit_reach_site",
        sa.Column("quarter", sa.String(8), primary_key=True),
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("given", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO report_visit_reach_site (quarter, site_id, persons, given)"
        " SELECT quarter, site_id, count(*), sum(CASE WHEN given > 0 THEN 1 ELSE 0 END)"
        " FROM report_visit_reach GROUP BY quarter, site_id"
    )


def downgrade() -> None:
    op.drop_table("report_visit_reach_site")
    op.drop_table("report_replay_sum")
