"""an index on the person's ID-card number (local only)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Saving a person's file or adding a person refuses an ID number another live person
already holds (``fieldkit.store.people.id_number_holder``); without an index that
check reads every person row (about 90 ms at 100,000 persons), with it one seek.
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_person_id_number ON person (id_number)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_person_id_number")
