"""The headquarters database (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Records are stored generically: one row per (tbl, id) with its scope key, current
values (JSON text), per-field clocks ``{field: [hlc, rev, device]}``, tombstone flag,
the revision of its last change and, for a table whose scope follows a parent
(:attr:`sync.schema.TableSpec.scope_parent`), the parent's id. ``server_state``
holds the single revision
counter and the epoch; it is incremented at the start of each push transaction,
which orders revisions by commit. ``sync_revision`` keeps when each revision was
taken: the time the push (or HQ's own write) that made it reached HQ, so the
revision in a record's field clock tells when that value arrived.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "conflict",
    "device",
    "enroll_failure",
    "enrollment",
    "exit_",
    "metadata",
    "record",
    "rejection",
    "revision",
    "server_state",
    "user",
]

metadata = MetaData()

server_state = Table(
    "sync_server_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", String(64), nullable=False),
    Column("rev", BigInteger, nullable=False),
)

user = Table(
    "sync_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("scope", Text, nullable=False, doc="JSON list of scope keys; '*' for all"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

device = Table(
    "sync_device",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("watermark", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_push_at", DateTime(timezone=True)),
    Column("last_pull_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column(
        "reported_pending",
        BigInteger,
        doc="changes waiting in the device's outbox, as it reported at its last pull"
        " (NULL: it never reported, e.g. a client older than the report)",
    ),
    Column("reported_at", DateTime(timezone=True), doc="when it last reported them"),
)

enrollment = Table(
    "sync_enrollment",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("device_id", String(64)),
)

enroll_failure = Table(
    "sync_enroll_failure",
    metadata,
    Column("address", String(64), primary_key=True),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False),
)

record = Table(
    "sync_record",
    metadata,
    Column("tbl", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("scope", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("clocks", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("rev", BigInteger, nullable=False),
    Column("parent", String(64), doc="id of the record whose scope this one follows"),
    Index("ix_sync_record_scope_rev", "scope", "rev", "tbl", "id"),
    Index("ix_sync_record_rev", "rev", "tbl", "id"),
    Index("ix_sync_record_parent", "tbl", "parent"),
)

revision = Table(
    "sync_revision",
    metadata,
    Column("rev", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False, doc="when the revision was taken"),
)

exit_ = Table(
    "sync_exit",
    metadata,
    Column("tbl", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("scope", String(64), primary_key=True),
    Column("rev", BigInteger, nullable=False),
    Index("ix_sync_exit_scope_rev", "scope", "rev"),
)

rejection = Table(
    "sync_rejection",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("tbl", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

conflict = Table(
    "sync_conflict",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tbl", String(64), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("field", String(64), nullable=False),
    Column("winner_value", Text, nullable=False),
    Column("winner_hlc", String(120), nullable=False),
    Column("winner_device", String(64), nullable=False),
    Column("loser_value", Text, nullable=False),
    Column("loser_hlc", String(120), nullable=False),
    Column("loser_device", String(64), nullable=False),
    Column("rev", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(200)),
    Index("ix_sync_conflict_scope_rev", "scope", "rev"),
    Index("ix_sync_conflict_rev", "rev"),
)
