"""The console's own tables in the headquarters database (SQLAlchemy Core).

They sit beside the sync tables (``sync_*``) with their own Alembic chain and
version table (``console_alembic_version``), so the sync engine never knows them:

- ``console_admin``: the console password (argon2 hash) of an HQ admin user;
- ``console_session``: signed-in sessions (only the SHA-256 of the session id is
  kept), each with its CSRF token, expiry and end;
- ``console_login_failure``: failed sign-ins by user and by address, which limit
  further attempts;
- ``console_audit``: who did what and when (sign-in, sign-out, revoke, enrollment
  code, conflict resolved, export);
- ``console_secret``: the key that signs the session cookie, shared by all workers.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

__all__ = ["admin", "audit", "login_failure", "metadata", "secret", "session"]

metadata = MetaData()

admin = Table(
    "console_admin",
    metadata,
    Column("name", String(200), primary_key=True, doc="the sync_user name of an admin"),
    Column("password_hash", Text, nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

session = Table(
    "console_session",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_name", String(200), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)

login_failure = Table(
    "console_login_failure",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, doc="'user:NAME' or 'addr:ADDRESS'"),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_console_login_failure_key_at", "key", "at"),
)

audit = Table(
    "console_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("address", String(64), nullable=False),
    Index("ix_console_audit_at", "at"),
)

secret = Table(
    "console_secret",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", String(128), nullable=False),
)
