"""The kept report rows added up per quarter, policy, site, relocation, category and tier

Revision ID: h0005
Revises: h0004
Create Date: 2026-12-04

``report_replay_sum`` holds every row of ``report_replay`` added up per quarter, policy,
site, relocation flag, category and tier (a row count and the sum of each figure), kept
from now on by the transaction that stores or deletes kept rows
(fieldkit.hq.projection.kept); filled here from the rows already kept, one ``INSERT ...
SELECT``.
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


def downgrade() -> None:
    op.drop_table("report_replay_sum")
