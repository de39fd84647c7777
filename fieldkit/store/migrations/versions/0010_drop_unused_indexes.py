"""drop two indexes no query of the store reads (local only)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

``ix_visit_site_id`` (a tenth of a county's store) serves no query: the due list
and the reports reach visits through their person (``visit (person_id,
visited_at)``) and take the site from the person; leaving a site's scope deletes
with ``NOT IN``, a full pass anyway. ``ix_person_site_id`` repeats the first column
of ``ix_person_site_name (site_id, search_full)``, which serves every lookup by site.
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_DROPPED = {
    "ix_visit_site_id": "visit (site_id)",
    "ix_person_site_id": "person (site_id)",
}


def upgrade() -> None:
    for name in _DROPPED:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    for name, target in _DROPPED.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
