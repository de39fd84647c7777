"""roster substring search: a trigram FTS5 index of person name, address, phone (local only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

``person_fts`` is an FTS5 table with the trigram tokenizer (case-sensitive, so a
match is exactly ``instr(column, text) > 0``) holding every live person's name,
address and phone under the person's rowid. Each value is stored with two
``char(31)`` after it, so every character and every pair of characters of a
value starts some trigram: 1-2 character searches read the term index through
``person_fts_terms`` (an ``fts5vocab`` instance table) instead of scanning the
person table; 3 or more characters use ``MATCH``.

Derived data: never synced, never in the outbox, kept current by triggers on
``person`` (insert; update of name/address/phone/deleted when one of them really
changes, which also covers the ``ON CONFLICT DO UPDATE`` upserts of a pull while
skipping the many that rewrite the same values; the real deletes of rows leaving
the device's scope). Tombstoned persons are not in it. Existing stores are
backfilled here. A later migration that recreates ``person`` (an Alembic batch
"move and copy") must create the triggers again and rebuild the table.
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_PAD = "char(31, 31)"


def _values(row: str) -> str:
    return (
        f"{row}.rowid, {row}.name || {_PAD}, {row}.address || {_PAD}, {row}.phone || {_PAD}"
    )


_INSERT = "INSERT INTO person_fts (rowid, name, address, phone)"

_TRIGGERS = {
    "trg_person_fts_insert": (
        f"AFTER INSERT ON person WHEN NEW.deleted = 0 BEGIN\n{_INSERT} VALUES ({_values('NEW')});\nEND"
    ),
    "trg_person_fts_update": (
        "AFTER UPDATE OF name, address, phone, deleted ON person WHEN OLD.name IS NOT NEW.name"
        " OR OLD.address IS NOT NEW.address OR OLD.phone IS NOT NEW.phone"
        " OR OLD.deleted IS NOT NEW.deleted BEGIN\n"
        "DELETE FROM person_fts WHERE rowid = OLD.rowid;\n"
        f"{_INSERT} SELECT {_values('NEW')} WHERE NEW.deleted = 0;\nEND"
    ),
    "trg_person_fts_delete": (
        "AFTER DELETE ON person BEGIN\nDELETE FROM person_fts WHERE rowid = OLD.rowid;\nEND"
    ),
}


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE person_fts USING fts5("
        "name, address, phone, tokenize = 'trigram case_sensitive 1', detail = 'full')"
    )
    op.execute("CREATE VIRTUAL TABLE person_fts_terms USING fts5vocab(person_fts, instance)")
    op.execute(f"{_INSERT} SELECT {_values('person')} FROM person WHERE deleted = 0")
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_fts_terms")
    op.execute("DROP TABLE IF EXISTS person_fts")
