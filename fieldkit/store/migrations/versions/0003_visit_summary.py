"""visit summary per person for the due list, kept by triggers (local only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

``visit_summary`` holds, for every person, what the due list needs from their
visits: the latest live visit (time and follow-up) and the latest live visit per
must-visit reason, plus a copy of the person's tier and site. It is derived data: never
synced, never in the outbox, and kept current by SQLite triggers on ``visit`` and
``person``, so local saves, rows applied from a pull, imports and the sample-data
generator all keep it right. "Latest" is the highest (visited_at, rowid), the
order of the index on visit (person_id, visited_at) read backwards.

Existing stores are backfilled here. Also two local indexes on ``person``: by
birth date (birthday candidates) and a covering index of the columns the due list
reads (one index seek per candidate instead of two).

Note: recreating ``visit`` or ``person`` (an Alembic batch "move and copy") drops
these triggers; a later migration doing so must create them again.
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_REASONS = ('festival', 'hospital', 'birthday', 'misfortune', 'condolence')


def _recompute(who: str) -> str:
    """UPDATE statement recomputing the summary row(s) of person ``who`` (an SQL expression)."""
    live = f"v.person_id = {who} AND v.deleted = 0"
    per_reason = ",\n".join(
        f"  {r}_at = (SELECT max(v.visited_at) FROM visit v WHERE {live} AND v.reason = '{r}')"
        for r in _REASONS
    )
    return (
        "UPDATE visit_summary SET\n"
        "  (last_at, follow_up_owed, follow_up, follow_up_due) = (\n"
        "    SELECT v.visited_at, v.follow_up != '' OR v.follow_up_due IS NOT NULL,\n"
        "           v.follow_up, v.follow_up_due\n"
        f"      FROM visit v WHERE {live}\n"
        "     ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1),\n"
        f"{per_reason}\n"
        f"WHERE person_id = {who}"
    )


def _ensure_row(who: str) -> str:
    """INSERT of an empty summary row for person ``who`` when there is none yet."""
    return (
        "INSERT INTO visit_summary (person_id, tier, site_id)"
        f" SELECT {who}, p.tier, p.site_id FROM (SELECT 1) LEFT JOIN person p ON p.id = {who}"
        f" WHERE NOT EXISTS (SELECT 1 FROM visit_summary WHERE person_id = {who})"
    )


_NEWER = "last_at IS NULL OR NEW.visited_at >= last_at"
_INSERT_VISIT = (
    "UPDATE visit_summary SET\n"
    + ",\n".join(
        f"  {c} = CASE WHEN {_NEWER} THEN {v} ELSE {c} END"
        for c, v in (
            ("follow_up_owed", "(NEW.follow_up != '' OR NEW.follow_up_due IS NOT NULL)"),
            ("follow_up", "NEW.follow_up"),
            ("follow_up_due", "NEW.follow_up_due"),
            ("last_at", "NEW.visited_at"),
        )
    )
    + ",\n"
    + ",\n".join(
        f"  {r}_at = CASE WHEN NEW.reason = '{r}' AND NEW.visited_at > coalesce({r}_at, '')"
        f" THEN NEW.visited_at ELSE {r}_at END"
        for r in _REASONS
    )
    + "\nWHERE person_id = NEW.person_id"
)

_TRIGGERS = {
    # a new live visit can only make the summary newer: no lookups in visit
    "trg_visit_summary_visit_insert": (
        "AFTER INSERT ON visit WHEN NEW.deleted = 0 BEGIN\n"
        f"{_ensure_row('NEW.person_id')};\n{_INSERT_VISIT};\nEND"
    ),
    # an edit (other person, other time, other reason, tombstone): recompute both persons
    "trg_visit_summary_visit_update": (
        "AFTER UPDATE OF person_id, visited_at, reason, follow_up, follow_up_due, deleted"
        " ON visit BEGIN\n"
        f"{_ensure_row('NEW.person_id')};\n"
        f"{_recompute('NEW.person_id')};\n"
        f"{_recompute('OLD.person_id')} AND OLD.person_id != NEW.person_id;\nEND"
    ),
    # rows leaving the device's scope are deleted for real
    "trg_visit_summary_visit_delete": (
        f"AFTER DELETE ON visit BEGIN\n{_recompute('OLD.person_id')};\nEND"
    ),
    # a person arriving (visits may have come first when a pull is applied)
    "trg_visit_summary_person_insert": (
        "AFTER INSERT ON person BEGIN\n"
        "INSERT INTO visit_summary (person_id, tier, site_id) VALUES (NEW.id, NEW.tier, NEW.site_id)"
        " ON CONFLICT (person_id) DO UPDATE SET tier = excluded.tier, site_id = excluded.site_id;\n"
        f"{_recompute('NEW.id')};\nEND"
    ),
    "trg_visit_summary_person_update": (
        "AFTER UPDATE OF tier, site_id ON person BEGIN\n"
        "UPDATE visit_summary SET tier = NEW.tier, site_id = NEW.site_id"
        " WHERE person_id = NEW.id;\nEND"
    ),
    "trg_visit_summary_person_delete": (
        "AFTER DELETE ON person BEGIN\n"
        "DELETE FROM visit_summary WHERE person_id = OLD.id;\nEND"
    ),
}

_INDEXES = {
    "ix_visit_summary_tier": "visit_summary (tier, last_at)",
    "ix_visit_summary_site": "visit_summary (site_id, last_at)",
    "ix_visit_summary_follow_up": "visit_summary (follow_up_owed, follow_up_due, last_at)",
    "ix_person_birth_date": "person (birth_date)",
    "ix_person_due": (
        "person (id, deleted, status, site_id, tier, category, birth_date, code, name, address)"
    ),
}


def upgrade() -> None:
    op.execute(
        "CREATE TABLE visit_summary (\n"
        "  person_id VARCHAR NOT NULL PRIMARY KEY,\n"
        "  tier VARCHAR,\n"
        "  site_id VARCHAR,\n"
        "  last_at VARCHAR,\n"
        "  follow_up_owed INTEGER,\n"
        "  follow_up VARCHAR,\n"
        "  follow_up_due VARCHAR,\n"
        + ",\n".join(f"  {r}_at VARCHAR" for r in _REASONS)
        + "\n) WITHOUT ROWID"
    )
    # backfill: one row per person, then their visits
    op.execute("INSERT INTO visit_summary (person_id, tier, site_id) SELECT id, tier, site_id FROM person")
    op.execute(_recompute("visit_summary.person_id"))
    for name, target in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS visit_summary")
