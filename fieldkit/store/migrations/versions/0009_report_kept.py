"""report figures kept per person and quarter, and the persons' versions (local only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

``report_person_version`` holds a version per person, raised by triggers on every
insert, update (a correction, a void setting ``deleted``, a move to another person)
and delete of the person's row, events and visits, so local saves, rows applied from
a pull, imports and the sample-data generator all raise it. ``report_replay`` holds
the care-plan figures the quarterly report keeps per quarter, policy and person,
valid while the person's version is the one they were made from
(``fieldkit.reports.kept``). Derived data: never synced, never in the outbox; both
start empty (a person without a version row is at version 0).

Note: recreating ``person``, ``visit`` or ``person_event`` drops these triggers; a
later migration doing so must create them again.
"""
from alembic import op

from fieldkit.store.report_kept import MIGRATED_OUTCOME_COLUMNS


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_OUTCOMES = MIGRATED_OUTCOME_COLUMNS


def _bump(who: str, when: str = "1") -> str:
    """Raise the version of person ``who`` (when ``when`` holds)."""
    return (
        f"INSERT INTO report_person_version (person_id, version) SELECT {who}, 1 WHERE {when}"
        " ON CONFLICT (person_id) DO UPDATE SET version = version + 1;"
    )


def _triggers() -> dict[str, str]:
    out = {
        "report_version_person_insert": f"AFTER INSERT ON person BEGIN {_bump('NEW.id')} END",
        "report_version_person_update": f"AFTER UPDATE ON person BEGIN {_bump('NEW.id')} END",
        "report_version_person_delete": f"AFTER DELETE ON person BEGIN {_bump('OLD.id')} END",
    }
    for table in ("visit", "person_event"):
        out[f"report_version_{table}_insert"] = (
            f"AFTER INSERT ON {table} BEGIN {_bump('NEW.person_id')} END"
        )
        out[f"report_version_{table}_update"] = (
            f"AFTER UPDATE ON {table} BEGIN {_bump('NEW.person_id')}"
            f" {_bump('OLD.person_id', 'OLD.person_id IS NOT NEW.person_id')} END"
        )
        out[f"report_version_{table}_delete"] = (
            f"AFTER DELETE ON {table} BEGIN {_bump('OLD.person_id')} END"
        )
    return out


def upgrade() -> None:
    op.execute(
        "CREATE TABLE report_person_version (person_id TEXT NOT NULL PRIMARY KEY,"
        " version INTEGER NOT NULL) WITHOUT ROWID"
    )
    outcomes = "".join(f", {name} INTEGER NOT NULL" for name in _OUTCOMES)
    op.execute(
        "CREATE TABLE report_replay (quarter TEXT NOT NULL, policy TEXT NOT NULL,"
        " person_id TEXT NOT NULL, version INTEGER NOT NULL, site_id TEXT NOT NULL,"
        " relocation INTEGER NOT NULL, category TEXT NOT NULL, tier TEXT NOT NULL,"
        " served INTEGER NOT NULL, new_file INTEGER NOT NULL, moved_away INTEGER NOT NULL,"
        " deceased INTEGER NOT NULL, unvisited INTEGER NOT NULL, last_visit TEXT"
        f"{outcomes}, PRIMARY KEY (quarter, policy, person_id))"
    )
    op.execute(
        "CREATE INDEX ix_report_replay_unvisited ON report_replay (quarter, policy)"
        " WHERE unvisited = 1"
    )
    for name, body in _triggers().items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS report_replay")
    op.execute("DROP TABLE IF EXISTS report_person_version")
