"""store record ids as 16 bytes (local storage form only)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

A canonical UUID id (36 characters of text) is now stored as its 16 raw bytes, a
BLOB (``fieldkit.domain.models.StoreId``, ``fieldkit.domain.ids.encode_id``); any
other id stays text. 20 bytes less per id, in the row and in every index holding
it (the primary keys, ``ix_visit_person_time``, the visit summary's). The columns
keep their declared type (SQLite keeps a BLOB in a text column as it is).

Every id column of the synced tables, of the tables derived from them (the visit
summary, the report versions and kept figures) and of the outbox and the conflict
markers (``row_id``) is rewritten here, by SQL
with a function registered on the migration's connection, in one statement per
table inside the migration's transaction: a failure leaves every id as it was.
Rows are kept in place (their rowids too: the search index and the search keys
refer to persons by rowid). The triggers on the rewritten tables are set aside
during the rewrite (the values keep their meaning: nothing derived changes, the
report versions stay). Foreign keys are checked when the transaction commits;
each changed parent key is looked up in its children, so the three child columns
without an index get a temporary one. The file grows while the rewrite runs (578
to 628 MB for 100,000 persons and 1,000,000 visits, 135 MB of it free pages); the
upgrade then rewrites it (``fieldkit.store.migrate.compact``, after this transaction
committed): 400 MB. The wire form does not change.

The roster's search index ``person_fts`` (migration 0004) is made again without its
copy of the values: a contentless FTS5 table (``content=''``) without column sizes,
about 1.2 MB less for 20,000 persons. Searches read only its rowids and terms. A
row leaves it by the values it was indexed with (the ``'delete'`` command, with the
person's old values: the triggers on ``person`` give them), and it is emptied with
``'delete-all'``.

The visit summary's follow-up index holds only the persons owed a follow-up
(``WHERE follow_up_owed = 1``: every statement that reads it asks for them, and
most persons owe none): 0.87 MB less for 20,000 persons without follow-ups.
"""
from alembic import op

from fieldkit.domain.ids import decode_id, encode_id


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = {
    "site": ("id",),
    "staff_member": ("id", "site_id"),
    "person": ("id", "site_id", "contact_id"),
    "person_event": ("id", "person_id", "site_id"),
    "visit": ("id", "person_id", "site_id"),
    "consultation": ("id", "site_id", "person_id"),
    "volunteer_team": ("id", "site_id"),
    "team_member": ("id", "team_id", "site_id", "person_id"),
    "service_activity": ("id", "team_id", "site_id"),
    "record_amendment": ("id", "site_id", "person_id", "record_id"),
    "card_key": ("id",),
    "visit_summary": ("person_id", "site_id"),
    "report_person_version": ("person_id",),
    "outbox": ("row_id",),
    "sync_conflict_marker": ("row_id",),
    "report_replay": ("person_id", "site_id"),
}  # fmt: skip
"""The id columns rewritten, per table (``report_replay`` last)."""

_TRIGGERED = tuple(t for t in COLUMNS if t != "report_replay")
"""The tables whose triggers are set aside (``report_replay`` has none of its own)."""

_LOOKUPS = {
    "_m0014_visit_site": "visit (site_id)",
    "_m0014_person_contact": "person (contact_id)",
    "_m0014_team_member_person": "team_member (person_id)",
}
"""Temporary indexes: the child columns without one, for the foreign-key checks."""

_FUNCTION = "m0014_id"


def _rewrite(convert, stored_type: str) -> None:
    bind = op.get_bind()
    driver = bind.connection.driver_connection
    driver.create_function(_FUNCTION, 1, convert, deterministic=True)
    tables = {
        name for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }  # fmt: skip
    on_tables = ", ".join(f"'{t}'" for t in _TRIGGERED)
    set_aside = dict(bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master"
        f" WHERE type = 'trigger' AND tbl_name IN ({on_tables})"
    ).all())  # fmt: skip
    for trigger in sorted(set_aside):
        op.execute(f'DROP TRIGGER "{trigger}"')
    for name, on in _LOOKUPS.items():
        op.execute(f"CREATE INDEX {name} ON {on}")
    for table, columns in COLUMNS.items():
        if table not in tables:
            continue
        sets = ", ".join(f"{c} = {_FUNCTION}({c})" for c in columns)
        which = " OR ".join(f"typeof({c}) = '{stored_type}'" for c in columns)
        op.execute(f"UPDATE {table} SET {sets} WHERE {which}")
    for name in _LOOKUPS:
        op.execute(f"DROP INDEX {name}")
    for trigger in sorted(set_aside):
        op.execute(set_aside[trigger])


_PAD = "char(31, 31)"
_FTS_COLUMNS = "rowid, name, address, phone"
_FTS_DROP = "INSERT INTO person_fts (person_fts, rowid, name, address, phone)"
_FTS_ADD = "INSERT INTO person_fts (rowid, name, address, phone)"


def _padded(row: str) -> str:
    return f"{row}.rowid, {row}.name || {_PAD}, {row}.address || {_PAD}, {row}.phone || {_PAD}"


_CONTENT_TRIGGERS = {
    "trg_person_fts_insert": (
        f"AFTER INSERT ON person WHEN NEW.deleted = 0 BEGIN\n{_FTS_ADD} VALUES ({_padded('NEW')});\nEND"
    ),
    "trg_person_fts_update": (
        "AFTER UPDATE OF name, address, phone, deleted ON person WHEN OLD.name IS NOT NEW.name"
        " OR OLD.address IS NOT NEW.address OR OLD.phone IS NOT NEW.phone"
        " OR OLD.deleted IS NOT NEW.deleted BEGIN\n"
        "DELETE FROM person_fts WHERE rowid = OLD.rowid;\n"
        f"{_FTS_ADD} SELECT {_padded('NEW')} WHERE NEW.deleted = 0;\nEND"
    ),
    "trg_person_fts_delete": (
        "AFTER DELETE ON person BEGIN\nDELETE FROM person_fts WHERE rowid = OLD.rowid;\nEND"
    ),
}
"""The search index's triggers of migration 0004 (the index keeps a copy of the values)."""

CONTENTLESS_TRIGGERS = {
    "trg_person_fts_insert": _CONTENT_TRIGGERS["trg_person_fts_insert"],
    "trg_person_fts_update": (
        "AFTER UPDATE OF name, address, phone, deleted ON person WHEN OLD.name IS NOT NEW.name"
        " OR OLD.address IS NOT NEW.address OR OLD.phone IS NOT NEW.phone"
        " OR OLD.deleted IS NOT NEW.deleted BEGIN\n"
        f"{_FTS_DROP} SELECT 'delete', {_padded('OLD')} WHERE OLD.deleted = 0;\n"
        f"{_FTS_ADD} SELECT {_padded('NEW')} WHERE NEW.deleted = 0;\nEND"
    ),
    "trg_person_fts_delete": (
        "AFTER DELETE ON person WHEN OLD.deleted = 0 BEGIN\n"
        f"{_FTS_DROP} VALUES ('delete', {_padded('OLD')});\nEND"
    ),
}
"""The contentless index's triggers: a row leaves it by the values it was indexed
with (a person is indexed while not tombstoned, with the values of their row)."""

_FTS_OPTIONS = "tokenize = 'trigram case_sensitive 1', detail = 'full'"


def _search_index(contentless: bool) -> None:
    """Make ``person_fts`` again (contentless, or with its copy of the values), filled
    from ``person``, with its vocabulary table and triggers."""
    for name in _CONTENT_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_fts_terms")
    op.execute("DROP TABLE IF EXISTS person_fts")
    options = f"content = '', columnsize = 0, {_FTS_OPTIONS}" if contentless else _FTS_OPTIONS
    op.execute(f"CREATE VIRTUAL TABLE person_fts USING fts5(name, address, phone, {options})")
    op.execute("CREATE VIRTUAL TABLE person_fts_terms USING fts5vocab(person_fts, instance)")
    op.execute(f"{_FTS_ADD} SELECT {_padded('person')} FROM person WHERE deleted = 0")
    for name, body in (CONTENTLESS_TRIGGERS if contentless else _CONTENT_TRIGGERS).items():
        op.execute(f"CREATE TRIGGER {name} {body}")


_FOLLOW_UPS = "ix_visit_summary_follow_up"
_FOLLOW_UP_COLUMNS = "visit_summary (follow_up_owed, follow_up_due, last_at)"


def _follow_up_index(partial: bool) -> None:
    """The visit summary's follow-up index (migration 0003), of the persons owed a
    follow-up only (``partial``) or of every person."""
    op.execute(f"DROP INDEX IF EXISTS {_FOLLOW_UPS}")
    where = " WHERE follow_up_owed = 1" if partial else ""
    op.execute(f"CREATE INDEX {_FOLLOW_UPS} ON {_FOLLOW_UP_COLUMNS}{where}")


def upgrade() -> None:
    _rewrite(encode_id, "text")
    _search_index(contentless=True)
    _follow_up_index(partial=True)


def downgrade() -> None:
    _follow_up_index(partial=False)
    _search_index(contentless=False)
    _rewrite(decode_id, "blob")
