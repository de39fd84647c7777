"""headquarters sync tables

Revision ID: s0001
Revises:
Create Date: 2026-11-21
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "sync_server_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.String(64), nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "epoch": secrets.token_hex(6), "rev": 0}])
    op.create_table(
        "sync_user",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sync_device",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("watermark", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True)),
        sa.Column("last_pull_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sync_enrollment",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("device_id", sa.String(64)),
    )
    op.create_table(
        "sync_record",
        sa.Column("tbl", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("clocks", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_sync_record_scope_rev", "sync_record", ["scope", "rev", "tbl", "id"])
    op.create_index("ix_sync_record_rev", "sync_record", ["rev", "tbl", "id"])
    op.create_table(
        "sync_exit",
        sa.Column("tbl", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("rev", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_sync_exit_scope_rev", "sync_exit", ["scope", "rev"])
    op.create_table(
        "sync_rejection",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("tbl", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tbl", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("winner_value", sa.Text, nullable=False),
        sa.Column("winner_hlc", sa.String(120), nullable=False),
        sa.Column("winner_device", sa.String(64), nullable=False),
        sa.Column("loser_value", sa.Text, nullable=False),
        sa.Column("loser_hlc", sa.String(120), nullable=False),
        sa.Column("loser_device", sa.String(64), nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(200)),
    )
    op.create_index("ix_sync_conflict_scope_rev", "sync_conflict", ["scope", "rev"])
    op.create_index("ix_sync_conflict_rev", "sync_conflict", ["rev"])


def downgrade() -> None:
    for name in (
        "sync_conflict",
        "sync_rejection",
        "sync_exit",
        "sync_record",
        "sync_enrollment",
        "sync_device",
        "sync_user",
        "sync_server_state",
    ):
        op.drop_table(name)
