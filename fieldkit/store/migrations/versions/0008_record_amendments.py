"""record amendments: who recorded a record, and the append-only trail of its corrections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Visits, consultations, status events and service activities gain ``recorded_by``
(the enrolled user who saved them; "" for records saved before). The synced
table ``record_amendment`` keeps one row per correction or void of such a record:
the fields changed with their old and new values, the reason, who, on which
device and when. Columns are added in place (``ALTER TABLE ADD COLUMN``): the
triggers on ``visit`` stay as they are.
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_RECORDS = ("person_event", "visit", "consultation", "service_activity")


def upgrade() -> None:
    for table in _RECORDS:
        op.add_column(
            table, sa.Column("recorded_by", sa.String(), nullable=False, server_default="")
        )
    op.create_table(
        "record_amendment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=True),
        sa.Column("tbl", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("correct", "void", name="amendaction", native_enum=False,
                    create_constraint=False, length=32),
            nullable=False,
        ),
        sa.Column("changes", sa.Text(), server_default="{}", nullable=False),
        sa.Column("hidden_changes", sa.Text(), server_default="{}", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("by_user", sa.String(), nullable=False),
        sa.Column("device", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_amendment_record", "record_amendment", ["tbl", "record_id"])
    op.create_index(op.f("ix_record_amendment_site_id"), "record_amendment", ["site_id"])
    op.create_index(op.f("ix_record_amendment_person_id"), "record_amendment", ["person_id"])


def downgrade() -> None:
    op.drop_table("record_amendment")
    for table in _RECORDS:
        # in place (SQLite 3.35+): a batch rebuild would drop the triggers on visit
        op.execute(f"ALTER TABLE {table} DROP COLUMN recorded_by")
